// The API's shapes, from the backend's TypeBox route schemas (console/src/http/schemas), so a change there breaks
// this build instead of a page at run time. Type-only: nothing of the backend is bundled.
export type * from '../../../src/http/schemas/index.ts'
