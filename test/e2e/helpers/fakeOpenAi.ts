/**
 * A scripted stand-in for OpenAI's Chat Completions API on 127.0.0.1, for an AI Agent in real n8n:
 * the first call (no tool result yet) asks for the first tool the agent offers with `toolArguments`;
 * once a tool result is in the conversation, it answers with a final message quoting that result.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeOpenAi {
	url: string;
	/** Every request body received, in order. */
	requests: Array<Record<string, unknown>>;
	close(): Promise<void>;
}

type Message = { role: string; content?: unknown; tool_call_id?: string };

export async function startFakeOpenAi(toolArguments: Record<string, unknown>): Promise<FakeOpenAi> {
	const requests: Array<Record<string, unknown>> = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			if (!req.url?.includes('/chat/completions')) {
				res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `not scripted: ${req.url}` } }));
				return;
			}
			const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
			requests.push(body);
			const messages = (body.messages ?? []) as Message[];
			const toolResult = messages.find((message) => message.role === 'tool');
			const tools = (body.tools ?? []) as Array<{ function: { name: string } }>;
			const message = toolResult
				? { role: 'assistant', content: `The customer answered: ${typeof toolResult.content === 'string' ? toolResult.content : JSON.stringify(toolResult.content)}` }
				: {
						role: 'assistant',
						content: null,
						tool_calls: [{ id: 'call_ask_1', type: 'function', function: { name: tools[0]?.function.name ?? 'unknown', arguments: JSON.stringify(toolArguments) } }],
					};
			const completion = {
				id: `chatcmpl-${requests.length}`,
				object: 'chat.completion',
				created: Math.floor(Date.now() / 1000),
				model: String(body.model ?? 'gpt-4o-mini'),
				choices: [{ index: 0, message, finish_reason: toolResult ? 'stop' : 'tool_calls' }],
				usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
			};
			if (body.stream === true) {
				res.writeHead(200, { 'content-type': 'text/event-stream' });
				const delta = toolResult
					? { role: 'assistant', content: message.content }
					: { role: 'assistant', tool_calls: (message as { tool_calls: Array<Record<string, unknown>> }).tool_calls.map((call, index) => ({ index, ...call })) };
				res.write(`data: ${JSON.stringify({ ...completion, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`);
				res.write(`data: ${JSON.stringify({ ...completion, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: completion.choices[0].finish_reason }] })}\n\n`);
				res.end('data: [DONE]\n\n');
				return;
			}
			res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return { url: `http://127.0.0.1:${port}/v1`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
