// Types of render.js (the playground phone's renderer) for the TypeScript tests.
export function esc(s: unknown): string;
export function formatText(text: string): string;
export function firstLink(text: string): string | undefined;
export function ticks(status: string): { symbol: string; cls: string; label: string };
export function bubble(msg: Record<string, any>): string;
export function content(msg: Record<string, any>): string;
export function chatRow(conv: Record<string, any>, selected: boolean): string;
export function time(at: number): string;
