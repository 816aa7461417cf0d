/** Runs statements atomically: D1 batches are one transaction, so a failure leaves nothing half-written. */
export const atomically = (db: D1Database, statements: D1PreparedStatement[]) => db.batch(statements);
