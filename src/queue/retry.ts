/** Queue retry backoff: 2, 4, 8, … seconds, at most 5 minutes (after max_retries a message goes to its DLQ, if any). */
export const retryDelay = (attempts: number) => Math.min(2 ** attempts, 300);
