/** Problems ruff finds in a generated project's Python (lint and format), as text lines. */
export function ruffProblems(projectDir: string): string[];
