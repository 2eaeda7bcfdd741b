// Types of render.js (the playground phone's renderer) for the TypeScript tests.
import type { PhoneConversation, PhoneMessage } from '../types';

export function esc(s: unknown): string;
export function formatText(text: string): string;
export function firstLink(text: string): string | undefined;
export function ticks(status: string): { symbol: string; cls: string; label: string };
export function bubble(msg: PhoneMessage): string;
export function content(msg: PhoneMessage): string;
export function chatRow(conv: PhoneConversation, selected: boolean): string;
export function time(at: number): string;
export const ICONS: Record<string, string>;
