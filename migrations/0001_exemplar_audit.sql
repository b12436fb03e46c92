CREATE TABLE "exemplar_audit" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "exemplar_audit_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"revision" bigint NOT NULL,
	"action" text NOT NULL,
	"exemplar_id" bigint NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"actor" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "exemplar_audit_revision_idx" ON "exemplar_audit" USING btree ("revision");--> statement-breakpoint
CREATE INDEX "exemplar_audit_exemplar_idx" ON "exemplar_audit" USING btree ("exemplar_id");