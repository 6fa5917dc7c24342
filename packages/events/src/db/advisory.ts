/**
 * Advisory-lock keys are scoped to the schema so that isolated schemas on one database (tests, tenants) do
 * not elect one worker between them. Two int4 keys keep the lock visible and unambiguous in pg_locks.
 */
export const advisoryKeySql = "hashtext('grimos'), hashtext(current_schema() || ':' || $1::text)"
