// Types of phone-model.js (what a business sent, as the playground phone renders it) for the TypeScript tests.
import type { PhoneContent } from './types';

type Body = Record<string, unknown>;
export function fill(text: string | undefined, values: Record<string, string>): string | undefined;
export function metaTemplate(template: Body): PhoneContent;
export function metaInteractive(interactive: Body): PhoneContent;
export function fromMeta(body: Body): PhoneContent;
export function fromTwilio(params: Body, contentOf: (sid: string) => Body | undefined): PhoneContent;
export function twilioContent(item: Body | undefined, variables: Record<string, string>, sid: string): PhoneContent;
export function fromGateway(body: Body): PhoneContent;
export function preview(content: PhoneContent | undefined): string;
export function mediaTypeOfUrl(url: string): string;
