/**
 * Exit codes are part of the command line's contract (README, "Exit codes"):
 * scripts and CI branch on them, so each one means exactly one thing.
 */
export const ExitCode = {
  ok: 0,
  /** Something we did not foresee: a bug. */
  unexpected: 1,
  /** Bad input: a flag, a name, a path, an answers file or a template set. Nothing was written. */
  usage: 2,
  /** Refused to protect work: a non-empty target, a dirty work tree, a project from a newer generator. */
  refused: 3,
  /** A step after writing failed (git, --verify); what was written is kept. */
  stepFailed: 4,
  /** update finished, but some files hold conflict markers to resolve. */
  conflicts: 5,
  /** check: the project is behind its templates. */
  behind: 6,
  /** Interrupted by the user (Ctrl-C). */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error meant for the user: one clear line, no stack trace, a documented exit code. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.usage,
    /** Output of a failed command, shown after the message. */
    readonly details?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Ctrl-C at a prompt, or SIGINT/SIGTERM while working. */
export class Interrupted extends UserError {
  constructor() {
    super('interrupted: nothing was written', ExitCode.interrupted);
    this.name = 'Interrupted';
  }
}

const systemErrors: Record<string, [string, ExitCodeValue]> = {
  EACCES: ['permission denied', ExitCode.usage],
  EPERM: ['operation not permitted', ExitCode.usage],
  EROFS: ['read-only file system', ExitCode.usage],
  ENOTDIR: ['a part of the path is a file, not a folder', ExitCode.usage],
  EISDIR: ['a folder is in the way', ExitCode.usage],
  ENAMETOOLONG: ['the path is too long', ExitCode.usage],
  ELOOP: ['too many symbolic links in the path', ExitCode.usage],
  ENOSPC: ['no space left on the device', ExitCode.stepFailed],
  EDQUOT: ['disk quota exceeded', ExitCode.stepFailed],
};

/** What a file-system error means, in words, for the codes we know. */
export function systemReason(error: unknown): string | undefined {
  const { code } = (error ?? {}) as { code?: string };
  return code ? systemErrors[code]?.[0] : undefined;
}

/** A file-system error as the user should read it: what failed, where, and a documented code. */
export function fromSystemError(error: unknown): UserError | undefined {
  const { code, path } = (error ?? {}) as { code?: string; path?: string };
  const known = code ? systemErrors[code] : undefined;
  if (!known) return undefined;
  return new UserError(`cannot write ${path ?? 'a file'}: ${known[0]}`, known[1]);
}
