CREATE TABLE "gateway_attempts" (
	"decision_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"tier" text NOT NULL,
	"upstream" text NOT NULL,
	"model" text NOT NULL,
	"outcome" text NOT NULL,
	"status" smallint,
	"ms" real NOT NULL,
	"served" boolean NOT NULL,
	"score" real,
	"prompt_tokens" integer,
	"completion_tokens" integer,
	"cost_usd" double precision,
	CONSTRAINT "gateway_attempts_decision_id_seq_pk" PRIMARY KEY("decision_id","seq")
);
--> statement-breakpoint
CREATE TABLE "gateway_exchanges" (
	"decision_id" text PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"caller" text NOT NULL,
	"mode" text NOT NULL,
	"profile" text,
	"tier" text NOT NULL,
	"reason" text NOT NULL,
	"served_tier" text,
	"served_upstream" text,
	"stream" boolean NOT NULL,
	"outcome" text NOT NULL,
	"status" smallint NOT NULL,
	"attempts" smallint NOT NULL,
	"fallback" boolean NOT NULL,
	"cascade" text,
	"prompt_tokens" integer,
	"completion_tokens" integer,
	"cost_usd" double precision,
	"counterfactual_usd" double precision
);
--> statement-breakpoint
CREATE INDEX "gateway_attempts_at_idx" ON "gateway_attempts" USING btree ("at");--> statement-breakpoint
CREATE INDEX "gateway_exchanges_at_idx" ON "gateway_exchanges" USING btree ("at");