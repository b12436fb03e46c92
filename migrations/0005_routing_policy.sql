CREATE TABLE "routing_rules" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"revision" bigint NOT NULL,
	"rules" jsonb NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "routing_rules_single_row" CHECK ("routing_rules"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "routing_rules_audit" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "routing_rules_audit_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"revision" bigint NOT NULL,
	"before" jsonb,
	"after" jsonb NOT NULL,
	"actor" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "routing_sessions" (
	"key" text PRIMARY KEY NOT NULL,
	"tier" text NOT NULL,
	"rank" smallint NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "routing_stats" ADD COLUMN "profile" text DEFAULT 'default' NOT NULL;--> statement-breakpoint
ALTER TABLE "routing_stats" ADD COLUMN "input_tokens" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "routing_stats" ADD COLUMN "cost" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "routing_stats" ADD COLUMN "cost_if_most_capable" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "routing_sessions_expires_idx" ON "routing_sessions" USING btree ("expires_at");