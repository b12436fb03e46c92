import { PGlite } from "@electric-sql/pglite";
const db = new PGlite("/tmp/pgs-test");
for (const s of ["synchronous_commit", "fsync", "wal_sync_method", "full_page_writes", "wal_level", "shared_buffers", "checkpoint_timeout", "max_wal_size"]) console.log(s, (await db.query(`show ${s}`)).rows[0]);
await db.close();
