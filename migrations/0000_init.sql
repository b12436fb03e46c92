CREATE TABLE "decision_cache" (
	"key" text PRIMARY KEY NOT NULL,
	"model_id" text NOT NULL,
	"revision" bigint NOT NULL,
	"tier" text NOT NULL,
	"confidence" real NOT NULL,
	"margin" real NOT NULL,
	"reason" text NOT NULL,
	"hits" bigint DEFAULT 0 NOT NULL,
	"first_seen" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen" timestamp with time zone DEFAULT now() NOT NULL,
	"query_text" text
);
--> statement-breakpoint
CREATE TABLE "exemplar_revision" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"revision" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "exemplar_revision_single_row" CHECK ("exemplar_revision"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "exemplar_vectors" (
	"exemplar_id" bigint NOT NULL,
	"model_id" text NOT NULL,
	"vector" "bytea" NOT NULL,
	CONSTRAINT "exemplar_vectors_exemplar_id_model_id_pk" PRIMARY KEY("exemplar_id","model_id")
);
--> statement-breakpoint
CREATE TABLE "exemplars" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "exemplars_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"text" text NOT NULL,
	"text_hash" text NOT NULL,
	"tier" text NOT NULL,
	"note" text,
	"source" text DEFAULT 'api' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "exemplar_vectors" ADD CONSTRAINT "exemplar_vectors_exemplar_id_exemplars_id_fk" FOREIGN KEY ("exemplar_id") REFERENCES "public"."exemplars"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "decision_cache_last_seen_idx" ON "decision_cache" USING btree ("last_seen");--> statement-breakpoint
CREATE INDEX "decision_cache_model_revision_idx" ON "decision_cache" USING btree ("model_id","revision");--> statement-breakpoint
CREATE UNIQUE INDEX "exemplars_text_hash_uq" ON "exemplars" USING btree ("text_hash");--> statement-breakpoint
CREATE INDEX "exemplars_tier_idx" ON "exemplars" USING btree ("tier");