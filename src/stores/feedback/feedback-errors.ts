import { DomainError } from "../../base/errors.js";
/** Errors of the feedback loop, each with its API code. */

export class DecisionNotFoundError extends DomainError {
  override name = "DecisionNotFoundError";
  readonly code = "decision_not_found" as const;
  constructor(
    readonly decisionId: string,
    logEnabled: boolean,
  ) {
    super(
      logEnabled
        ? `no logged decision ${decisionId} (unknown, older than the retention, or lost while the database was away)`
        : `no logged decision ${decisionId}: the decision log is disabled (decisions.enabled: false)`,
    );
  }
}

/** A repeat of feedback from the same source on the same decision that says something else. */
export class FeedbackConflictError extends DomainError {
  override name = "FeedbackConflictError";
  readonly code = "feedback_conflict" as const;
  override readonly details: { existing: unknown };
  constructor(readonly existing: unknown) {
    super("this source already sent different feedback on this decision; feedback is one per decision and source (use another source to add a second opinion)");
    this.details = { existing };
  }
}

/** Feedback that contradicts itself or its decision (400). */
export class InvalidFeedbackError extends DomainError {
  override name = "InvalidFeedbackError";
  readonly code = "invalid_request" as const;
}

export class ReviewItemNotFoundError extends DomainError {
  override name = "ReviewItemNotFoundError";
  readonly code = "review_item_not_found" as const;
  constructor(readonly id: number) {
    super(`review item ${id} does not exist`);
  }
}

/** Promote or dismiss on an item that is no longer open. */
export class ReviewItemClosedError extends DomainError {
  override name = "ReviewItemClosedError";
  readonly code = "review_item_closed" as const;
  override readonly details: { status: string };
  constructor(
    readonly id: number,
    readonly status: string,
  ) {
    super(`review item ${id} is already ${status}`);
    this.details = { status };
  }
}
