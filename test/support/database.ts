/** The PostgreSQL the tests use: TEST_DATABASE_URL, else the local trust setup. Free of test-runner imports, for test/run.ts. */
export const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
