/**
 * Runs Send WhatsApp's editor methods (list search, resource mapper) the way n8n's
 * DynamicNodeParametersService does: in n8n-core's LoadOptionsContext, with the node's parameters
 * as the editor holds them (`currentNodeParameters`) and the in-memory credentials of test/helpers/n8n.ts.
 */
import { LoadOptionsContext } from 'n8n-core';
import {
	Workflow,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type INode,
	type INodeCredentialsDetails,
	type INodeParameters,
	type IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

import { SendWhatsApp } from '../../nodes/SendWhatsApp/SendWhatsApp.node';
import { nodeTypesOf, PACKAGE, TestCredentialsHelper, withDefaults } from './n8n';

export function loadOptionsContext(parameters: INodeParameters, credentials: Record<string, IDataObject>, path = 'parameters.templateName'): LoadOptionsContext {
	const store: Record<string, ICredentialDataDecryptedObject> = {};
	const nodeCredentials: Record<string, INodeCredentialsDetails> = {};
	for (const [type, data] of Object.entries(credentials)) {
		store[type] = withDefaults(type, data);
		nodeCredentials[type] = { id: `cred-${type}`, name: `My ${type}` };
	}
	const node: INode = {
		id: 'node-send',
		name: 'Send WhatsApp',
		type: `${PACKAGE}.sendWhatsApp`,
		typeVersion: 1.1,
		position: [0, 0],
		parameters,
		credentials: nodeCredentials,
	};
	const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes: nodeTypesOf(['sendWhatsApp', new SendWhatsApp()]) });
	const additionalData = {
		credentialsHelper: new TestCredentialsHelper(store),
		currentNodeParameters: parameters,
		restApiUrl: 'http://127.0.0.1/rest',
		instanceBaseUrl: 'http://127.0.0.1/',
		variables: {},
		userId: 'user-test',
	} as unknown as IWorkflowExecuteAdditionalData;
	return new LoadOptionsContext(workflow, workflow.getNode(node.name)!, additionalData, path);
}
