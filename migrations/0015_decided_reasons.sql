CREATE TABLE "decided_reasons" (
	"reason" text PRIMARY KEY NOT NULL
);
