import { createHash } from 'node:crypto';

import type { BinaryFile } from './message';
import type { UploadCache } from './providers/types';

export function sha256Hex(data: Buffer): string {
	return createHash('sha256').update(data).digest('hex');
}

/**
 * Files sent from binary data, once per execution: the bytes in flight are bounded (not only the
 * number of requests), and the same file sent to many recipients is uploaded once.
 */

/** At most this many bytes of files are held for sending at once (one larger file still goes alone). */
export const DEFAULT_MEDIA_BYTES_IN_FLIGHT = 64 * 1024 * 1024;

/** A counting semaphore over bytes: `acquire(n)` waits until `n` more bytes fit under the limit. */
export class ByteBudget {
	private used = 0;

	private readonly waiting: Array<{ bytes: number; resolve: () => void }> = [];

	constructor(readonly limit: number = DEFAULT_MEDIA_BYTES_IN_FLIGHT) {}

	get inUse(): number {
		return this.used;
	}

	/** Waits until the bytes fit (a request larger than the whole limit waits until nothing else is held). */
	async acquire(bytes: number): Promise<() => void> {
		const size = Math.max(0, bytes);
		if (this.waiting.length === 0 && this.fits(size)) {
			this.used += size;
		} else {
			await new Promise<void>((resolve) => this.waiting.push({ bytes: size, resolve }));
		}
		let released = false;
		return () => {
			if (released) return;
			released = true;
			this.used -= size;
			this.wake();
		};
	}

	private fits(bytes: number): boolean {
		return this.used === 0 || this.used + bytes <= this.limit;
	}

	/** In order: a large file waiting first is not overtaken forever by small ones. */
	private wake(): void {
		while (this.waiting.length > 0 && this.fits(this.waiting[0].bytes)) {
			const next = this.waiting.shift()!;
			this.used += next.bytes;
			next.resolve();
		}
	}
}

/**
 * One upload per key within one execution. Items sending the same file at the same time await the
 * same promise; a failed upload is forgotten, so that a retry uploads again.
 */
export class ExecutionUploads implements UploadCache {
	private readonly uploads = new Map<string, Promise<string>>();

	/** Hashes of files stored by n8n, by their binary data ID: 1,000 items of one file are hashed once. */
	private readonly hashes = new Map<string, string>();

	/** Uploads actually started (for tests and the bench). */
	started = 0;

	contentHash(file: BinaryFile): string {
		if (!file.storedAs) return sha256Hex(file.data);
		let hash = this.hashes.get(file.storedAs);
		if (!hash) {
			hash = sha256Hex(file.data);
			this.hashes.set(file.storedAs, hash);
		}
		return hash;
	}

	async once(key: string, upload: () => Promise<string>): Promise<string> {
		let pending = this.uploads.get(key);
		if (!pending) {
			this.started++;
			pending = upload();
			this.uploads.set(key, pending);
			pending.catch(() => {
				if (this.uploads.get(key) === pending) this.uploads.delete(key);
			});
		}
		return await pending;
	}
}
