/**
 * The consumer → delivery rules: who uses the output and how fresh it must be decide the form;
 * how they take data in today only refines the reasons. The README's table is this table.
 */

export const consumers = ['service', 'people', 'analysts'] as const;
export const freshnesses = ['realtime', 'daily', 'weekly'] as const;
export const intakes = ['api', 'files', 'database'] as const;
/** The forms the rules can recommend; a template set may offer more, chosen with --delivery. */
export const recommendedForms = ['api', 'csv', 'table'] as const;

export type Consumer = (typeof consumers)[number];
export type Freshness = (typeof freshnesses)[number];
export type Intake = (typeof intakes)[number];
export type RecommendedForm = (typeof recommendedForms)[number];

export interface Recommendation {
  delivery: RecommendedForm;
  reasons: string[];
}

interface Rule {
  delivery: RecommendedForm;
  reason: string;
}

export const rules: Record<Consumer, Record<Freshness, Rule>> = {
  service: {
    realtime: {
      delivery: 'api',
      reason: 'Software that needs a prediction at the moment it acts should ask for it: an HTTP API answers each request.',
    },
    daily: {
      delivery: 'table',
      reason:
        'A system that needs scores once a day can read them from a table on its own schedule; an always-on API would add a server to run for no gain.',
    },
    weekly: {
      delivery: 'table',
      reason:
        'A system that needs scores once a week can read them from a table when its job runs; an always-on API would add a server to run for no gain.',
    },
  },
  people: {
    realtime: {
      delivery: 'api',
      reason:
        'People who need a score the moment they act get it through the application they work in, and that application asks an API.',
    },
    daily: {
      delivery: 'csv',
      reason:
        'People working through a list every day need a ranked list they can open in a spreadsheet: a daily CSV drop, not an API they would have to call.',
    },
    weekly: {
      delivery: 'csv',
      reason:
        'People working through a list each week need a ranked list they can open in a spreadsheet: a weekly CSV drop, not an API they would have to call.',
    },
  },
  analysts: {
    realtime: {
      delivery: 'table',
      reason:
        'Analysts query, join and aggregate: even fresh predictions serve them best as rows in a table, refreshed each time the thread runs.',
    },
    daily: {
      delivery: 'table',
      reason: 'Analysts, reports and downstream jobs query and join: daily predictions belong in a database table.',
    },
    weekly: {
      delivery: 'table',
      reason: 'Analysts, reports and downstream jobs query and join: weekly predictions belong in a database table.',
    },
  },
};

const intakeReasons: Record<Intake, Record<RecommendedForm, string>> = {
  api: {
    api: 'They already call HTTP APIs, so the service fits how they work today.',
    csv: 'They take data in over APIs today; still, a list people work through is easiest to use as a file. Choose --delivery api if their tools will call a service.',
    table: 'They take data in over APIs today; a table suits a scheduled need better. Choose --delivery api if they would rather call a service.',
  },
  files: {
    api: 'They take data in as files today: an API is a change for them, so agree it with them first, or choose --delivery csv.',
    csv: 'They already take data in as files, so a CSV drop fits how they work today.',
    table: 'They take data in as files today: if they cannot query a database, choose --delivery csv.',
  },
  database: {
    api: 'They read from a database today: if they can wait for a scheduled refresh, choose --delivery table.',
    csv: 'Their tools read from a database today: if the list should appear there, choose --delivery table.',
    table: 'They already read from a database, so a table fits how they work today.',
  },
};

export function recommend(consumer: Consumer, freshness: Freshness, intake?: Intake | null): Recommendation {
  const rule = rules[consumer][freshness];
  const reasons = [rule.reason];
  if (intake) reasons.push(intakeReasons[intake][rule.delivery]);
  return { delivery: rule.delivery, reasons };
}
