CREATE TABLE "routing_stats" (
	"bucket" timestamp with time zone NOT NULL,
	"tier" text NOT NULL,
	"reason" text NOT NULL,
	"cached" boolean NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "routing_stats_bucket_tier_reason_cached_pk" PRIMARY KEY("bucket","tier","reason","cached")
);
--> statement-breakpoint
CREATE TABLE "tier_prices" (
	"tier" text PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"price_per_1m_tokens" double precision NOT NULL,
	"rank" smallint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
