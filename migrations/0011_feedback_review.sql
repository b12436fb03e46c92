CREATE TABLE "decision_feedback" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "decision_feedback_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"decision_id" uuid NOT NULL,
	"decision_at" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"actor" text NOT NULL,
	"verdict" text NOT NULL,
	"correct_tier" text,
	"score" double precision,
	"note" text,
	"query_text" text,
	"tier" text NOT NULL,
	"reason" text NOT NULL,
	"shadow_of" text,
	"tags" text[],
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "review_audit" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "review_audit_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"review_id" bigint NOT NULL,
	"action" text NOT NULL,
	"actor" text NOT NULL,
	"detail" jsonb,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "review_items" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "review_items_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"decision_id" uuid NOT NULL,
	"decision_at" timestamp with time zone NOT NULL,
	"tier" text NOT NULL,
	"reason" text NOT NULL,
	"shadow_of" text,
	"verdict" text NOT NULL,
	"suggested_tier" text NOT NULL,
	"query_text" text,
	"feedback_count" smallint DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	"exemplar_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "decision_feedback_decision_source_uq" ON "decision_feedback" USING btree ("decision_id","source");--> statement-breakpoint
CREATE INDEX "decision_feedback_created_idx" ON "decision_feedback" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "decision_feedback_decision_at_idx" ON "decision_feedback" USING btree ("decision_at");--> statement-breakpoint
CREATE INDEX "review_audit_review_idx" ON "review_audit" USING btree ("review_id");--> statement-breakpoint
CREATE UNIQUE INDEX "review_items_decision_uq" ON "review_items" USING btree ("decision_id");--> statement-breakpoint
CREATE INDEX "review_items_status_idx" ON "review_items" USING btree ("status","id");