// The evalens server's contract as this extension uses it (docs/protocol.md): the server
// commands it sends, the notification it handles, and the shapes of their answers.
// tests/editors/test_contract.py fails when this file and the server disagree: every
// command name here is one of the server's (evalens.features.commands.COMMANDS),
// RESULT_COMMANDS are exactly those answering with a Result, and each interface has the
// fields of the server's TypedDict of the same name (optional ones with `?:`).

/** Server commands (`workspace/executeCommand`), by what they do. */
export const Command = {
  eval: "evalens.eval",
  call: "evalens.call",
  runModule: "evalens.runModule",
  runCell: "evalens.runCell",
  doctest: "evalens.doctest", // answer: DoctestResult
  exit: "evalens.exit",
  interrupt: "evalens.interrupt",
  restart: "evalens.restart",
  status: "evalens.status",
  kernels: "evalens.kernels", // answer: kernels.ts' KernelsAnswer
  attach: "evalens.attach", // answer: Status
  variables: "evalens.variables", // answer: VariablesPage; never runs user code
} as const;

export type ServerCommand = (typeof Command)[keyof typeof Command];

/** Server commands that run user code and answer with a Result. */
export const RESULT_COMMANDS: ReadonlySet<string> = new Set<ServerCommand>([
  Command.eval,
  Command.call,
  Command.runModule,
  Command.exit,
]);

/**
 * Server commands that run user code and answer with a Result or more: RESULT_COMMANDS,
 * evalens.runCell, whose answer is a Result with `cells` (RunCellResult), and evalens.doctest,
 * a Result with each example's outcome (DoctestResult).
 */
export const RUN_COMMANDS: ReadonlySet<string> = new Set<string>([...RESULT_COMMANDS, Command.runCell, Command.doctest]);

/** The `source` of the server's diagnostics on failing docstring examples (code `example-failed`). */
export const DOCTEST_SOURCE = "evalens.doctest";

/** The notification that streams what the running code prints. */
export const OUTPUT_NOTIFICATION = "evalens/output";

/** The notification of each MIME bundle a run shows, as it is shown (DisplayBundle with its `uri`). */
export const DISPLAY_NOTIFICATION = "evalens/display";

/** The notification after each run (and a restart): which names of a document's module changed. */
export const VARIABLES_NOTIFICATION = "evalens/variablesChanged";

/**
 * The params of evalens/variablesChanged (a dict literal on the server, evalens.features.variables,
 * so no TypedDict to mirror): the names of `uri`'s module the run bound, rebound or deleted;
 * `reset` when a new interpreter replaced the one that ran code (every entry is gone).
 */
export type VariablesChanged = { uri: string; names: string[]; reset?: boolean };

/** The `data.reason` of evalens.variables' InvalidParams errors that are not mistakes of ours. */
export type VariablesRefusal = "busy" | "staleRef";

// evalens.execution.results.Value
export interface Value {
  repr: string;
  type: string;
}

// evalens.worker.messages.Frame
export interface Frame {
  uri: string | null;
  line: number; // 0-based
  name: string;
}

// evalens.worker.messages.ErrorInfo
export interface ErrorInfo {
  type: string;
  message: string;
  traceback: string;
  frames: Frame[]; // outermost first
}

// evalens.worker.messages.ReloadedModule
export interface ReloadedModule {
  module: string;
  patched: string[]; // definitions updated in place
  rerun: number[]; // 0-based first lines of the statements that ran again
  reason?: string;
}

// evalens.execution.results.Result
export interface Result {
  ok: boolean;
  value: Value | null;
  valueName?: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  error: ErrorInfo | null;
  durationMs: number;
  reloaded: ReloadedModule[]; // what was brought up to date before the run
  target?: Location | null; // evalens.call only: where the called function is defined
  display: DisplayBundle[]; // what the run showed, in order
}

// evalens.worker.messages.DisplayBundle: an entry of Result.display (and, with the uri,
// the evalens/display notification)
export interface DisplayBundle {
  data: Record<string, unknown>; // MIME type -> content: base64 for binary types, a JSON value for application/json
  metadata: Record<string, unknown>;
}

// evalens.features.cells.CellRun: one entry of RunCellResult's `cells` (and, with the uri,
// the evalens/cellDone notification)
export interface CellRun {
  line: number; // the cell's marker line, 0-based
  end: number; // the cell's last line
  title: string;
  ok: boolean;
  value: Value | null;
  error: ErrorInfo | null;
  durationMs: number;
  reloaded: ReloadedModule[]; // what was brought up to date before this cell ran
  display: DisplayBundle[]; // what this cell showed
}

// evalens.features.cells.RunCellResult: the answer of evalens.runCell, the Result of the last
// cell run plus `cells`, one entry per cell run, in order
export interface RunCellResult extends Result {
  cells?: CellRun[];
}

// evalens.worker.doctestmessages.ExampleOutcome: one example of an evalens.doctest answer
export interface ExampleOutcome {
  line: number; // the 0-based document line of its `>>>`
  source: string;
  want: string; // as doctest parsed it (`<BLANKLINE>` markers, the docstring's indentation removed)
  got: string; // what it printed; an exception as doctest expects it (header, `...`, its lines)
  ok: boolean;
  skipped: boolean;
  traceback?: string; // the exception's whole traceback, when it raised one
}

// evalens.features.doctestruns.DoctestResult: the answer of evalens.doctest, the run's Result
// (`value` null) plus the counts and each example's outcome, in document order
export interface DoctestResult extends Result {
  passed?: number;
  failed?: number;
  skipped?: number;
  examples?: ExampleOutcome[];
}

// evalens.worker.variablemessages.Variable: an entry of a VariablesPage
export interface Variable {
  name: string; // a namespace's or an attribute's name, an item's index, a dict key's repr
  type: string; // the value's type, qualified by its module unless a builtin
  repr: string; // at most reprChars characters, ending with … when cut
  ref: number | null; // expands into its children (until the next run); null: nothing to expand
  size: number | null; // len() of a builtin container or string, a DataFrame's or array's rows
  truncated?: boolean; // the repr was cut at reprChars: ask for this entry alone with more
}

// evalens.worker.variablemessages.VariablesPage: the answer of evalens.variables
export interface VariablesPage {
  variables: Variable[];
  total: number; // entries in all pages
}

/** The `scope` of evalens.runCell: the cell, the code cells before it, it and those after, or all. */
export type CellScope = "cell" | "above" | "below" | "all";

// evalens.worker.messages.Location
export interface Location {
  uri: string | null;
  line: number; // 0-based
}

// evalens.features.output.OutputParams: the evalens/output notification
export interface OutputParams {
  uri: string | null;
  stream: string; // "stdout" or "stderr"
  text: string;
}

// evalens.execution.engine.Queued
export interface Queued {
  title: string;
  uri: string | null;
}

// evalens.features.runs.AnalysisStatus
export interface AnalysisStatus {
  state: string; // "off", "waiting", "loading", "busy" or "idle"
  pending: number;
}

// evalens.features.commands.Status: the answer of evalens.status
export interface Status {
  state: string; // "idle", "busy", "starting" or "stopped"
  pid: number | null;
  python: string | null;
  executable: string;
  held: string[];
  running: Queued | null;
  queue: Queued[];
  kernel: Record<string, string | boolean> | null; // the kernel setting in force, without its token (allowInsecure: a boolean)
  analysis: AnalysisStatus;
}

/** An LSP Range as JSON (the `range` of evalens.eval). */
export interface JsonRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export function isResult(value: unknown): value is Result {
  return typeof value === "object" && value !== null && "ok" in value && "durationMs" in value;
}
