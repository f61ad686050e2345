// The evalens server's command contract (see the project README, "The command API").

export interface Value {
  repr: string;
  type: string;
}

export interface Frame {
  uri: string | null;
  line: number; // 0-based
  name: string;
}

export interface RunError {
  type: string;
  message: string;
  traceback: string;
  frames: Frame[];
}

export interface Result {
  ok: boolean;
  value: Value | null;
  valueName?: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  error: RunError | null;
  durationMs: number;
}

export interface Output {
  uri: string | null;
  stream: string;
  text: string;
}

export interface Status {
  state: "idle" | "busy" | "starting" | "stopped";
  pid: number | null;
  python: string | null;
  executable: string | null;
}

export interface JsonRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** Server commands that run user code and answer with a Result. */
export const RUN_COMMANDS = new Set(["evalens.eval", "evalens.call", "evalens.runModule", "evalens.exit"]);

export function isResult(value: unknown): value is Result {
  return typeof value === "object" && value !== null && "ok" in value && "durationMs" in value;
}
