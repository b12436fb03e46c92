/** Errors of the feedback loop; the HTTP layer maps each to its code (http/errors.ts). */

export class DecisionNotFoundError extends Error {
  override name = "DecisionNotFoundError";
  constructor(readonly decisionId: string, logEnabled: boolean) {
    super(
      logEnabled
        ? `no logged decision ${decisionId} (unknown, older than the retention, or lost while the database was away)`
        : `no logged decision ${decisionId}: the decision log is disabled (decisions.enabled: false)`,
    );
  }
}

/** A repeat of feedback from the same source on the same decision that says something else. */
export class FeedbackConflictError extends Error {
  override name = "FeedbackConflictError";
  constructor(readonly existing: unknown) {
    super("this source already sent different feedback on this decision; feedback is one per decision and source (use another source to add a second opinion)");
  }
}

/** Feedback that contradicts itself or its decision (400). */
export class InvalidFeedbackError extends Error {
  override name = "InvalidFeedbackError";
}

export class ReviewItemNotFoundError extends Error {
  override name = "ReviewItemNotFoundError";
  constructor(readonly id: number) {
    super(`review item ${id} does not exist`);
  }
}

/** Promote or dismiss on an item that is no longer open. */
export class ReviewItemClosedError extends Error {
  override name = "ReviewItemClosedError";
  constructor(readonly id: number, readonly status: string) {
    super(`review item ${id} is already ${status}`);
  }
}
