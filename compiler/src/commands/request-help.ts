/** What a request file for `paybillc explain` looks like (help text and error help). */
export const REQUEST_HELP = `The request file is JSON:
  {
    "tenant":    "globex",                      a static tenant, or {"id", "plan", "state"}
    "agent":     "support_bot",
    "action":    "refund",
    "input":     {"ticket": "…", "amount": 250.0, "reason": "broken"},
    "resource":  {"id": "…", "status": "open"}, optional: the row the action works on
    "workflow":  {"name": "resolve_ticket", "state": "resolve"},   optional
    "approvals": ["finance"],                   optional: groups, or {"group", "by", "at"}
    "time":      "2026-01-05T10:00:00Z"         optional: defaults to now
  }`;
