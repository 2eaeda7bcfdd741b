export declare const REDIS: string;
export declare function redisAvailable(): boolean;
export declare function startRedis(options?: { timeoutMs?: number }): Promise<{ port: number; stop(): void }>;
