// Types of phone-model.js (what a business sent, as the playground phone renders it) for the TypeScript tests.
type Json = Record<string, any>;
export function fill(text: string | undefined, values: Record<string, string>): string | undefined;
export function metaTemplate(template: Json): Json;
export function metaInteractive(interactive: Json): Json;
export function fromMeta(body: Json): Json;
export function fromTwilio(params: Json, contentOf: (sid: string) => Json | undefined): Json;
export function twilioContent(item: Json | undefined, variables: Record<string, string>, sid: string): Json;
export function fromGateway(body: Json): Json;
export function preview(content: Json | undefined): string;
export function mediaTypeOfUrl(url: string): string;
