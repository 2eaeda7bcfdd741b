import { inputError } from '../../shared/errors';
import type { MediaType } from '../../shared/message';
import { declaredLimits } from '../../shared/providerFields';
import { ofType, text, type MessageTypeDefinition } from './types';

export const mediaMessage: MessageTypeDefinition = {
	option: { name: 'Media', value: 'media', description: 'Image, video, audio, document or sticker' },
	fields: [
		{
			displayName: 'Media Type',
			name: 'mediaType',
			type: 'options',
			options: [
				{ name: 'Audio', value: 'audio' },
				{ name: 'Document', value: 'document' },
				{ name: 'Image', value: 'image' },
				{ name: 'Sticker', value: 'sticker' },
				{ name: 'Video', value: 'video' },
			],
			default: 'image',
			displayOptions: { show: ofType('media') },
		},
		{
			displayName: 'Media Source',
			name: 'mediaSource',
			type: 'options',
			options: [
				{ name: 'URL', value: 'url', description: 'A public https URL the provider downloads' },
				{
					name: 'Binary File',
					value: 'binary',
					description: 'A file from the input item (Meta uploads it first; not possible with Twilio)',
				},
				{ name: 'Media ID', value: 'id', description: 'A media ID uploaded to Meta before' },
			],
			default: 'url',
			displayOptions: { show: ofType('media') },
		},
		{
			displayName: 'Media URL',
			name: 'mediaUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. https://example.com/invoice.pdf',
			displayOptions: { show: { ...ofType('media'), mediaSource: ['url'] } },
		},
		{
			displayName: 'Media ID',
			name: 'mediaId',
			type: 'string',
			default: '',
			required: true,
			displayOptions: { show: { ...ofType('media'), mediaSource: ['id'] } },
		},
		{
			displayName: 'Input Binary Field',
			name: 'binaryPropertyName',
			type: 'string',
			default: 'data',
			required: true,
			hint: 'The name of the input binary field containing the file to be sent',
			displayOptions: { show: { ...ofType('media'), mediaSource: ['binary'] } },
		},
		{
			displayName: 'Caption',
			name: 'caption',
			type: 'string',
			default: '',
			description: `Shown under images, videos and documents; up to ${declaredLimits('caption')}`,
			displayOptions: { show: { ...ofType('media'), mediaType: ['image', 'video', 'document'] } },
		},
		{
			displayName: 'File Name',
			name: 'fileName',
			type: 'string',
			default: '',
			placeholder: 'e.g. invoice.pdf',
			description: 'The document name the customer sees',
			displayOptions: { show: { ...ofType('media'), mediaType: ['document'] } },
		},
	],
	read(reader, common) {
		const { ctx, itemIndex: i } = reader;
		const node = ctx.getNode();
		const mediaType = text(reader, 'mediaType', 'image') as MediaType;
		const source = text(reader, 'mediaSource', 'url');
		const caption = text(reader, 'caption') || undefined;
		const fileName = text(reader, 'fileName') || undefined;
		if (source === 'binary') {
			const property = text(reader, 'binaryPropertyName', 'data');
			let binary;
			try {
				binary = ctx.helpers.assertBinaryData(i, property);
			} catch (error) {
				throw inputError(node, i, `${(error as Error).message} (item ${i})`, 'Set "Input Binary Field" to the name of the binary property that holds the file.', {
					field: 'Input Binary Field',
					value: property,
					rule: 'the input item has no binary data of this name',
				});
			}
			// The bytes are read when the item is sent, not here: pre-flight never holds every item's file.
			const byteLength =
				typeof binary.bytes === 'number'
					? binary.bytes
					: !binary.id && typeof binary.data === 'string'
						? Math.ceil((binary.data.length * 3) / 4)
						: undefined;
			return {
				...common,
				type: 'media',
				media: { type: mediaType, caption, fileName, file: { property, mimeType: binary.mimeType, fileName: binary.fileName, byteLength, storedAs: binary.id } },
			};
		}
		if (source === 'id') {
			const id = text(reader, 'mediaId');
			if (!id) throw inputError(node, i, `Media ID is empty (item ${i})`, undefined, { field: 'Media ID', value: '', rule: 'must not be empty' });
			return { ...common, type: 'media', media: { type: mediaType, id, caption, fileName } };
		}
		const url = text(reader, 'mediaUrl');
		if (!/^https?:\/\/\S+$/i.test(url)) {
			throw inputError(node, i, `Media URL "${url}" is not a valid http(s) URL (item ${i})`, 'Providers download media from a public URL, e.g. https://example.com/photo.jpg.', {
				field: 'Media URL',
				value: url,
				rule: 'must be a public http(s) URL',
			});
		}
		return { ...common, type: 'media', media: { type: mediaType, url, caption, fileName } };
	},
};
