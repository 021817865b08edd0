/**
 * The log records of one execution environment, in Lambda's two formats. Text format frames each
 * console record as `<ISO time>\t<request id>\t<LEVEL>\t<message>` with every `\n` of the message
 * turned into `\r` (one call, one record); the platform adds START/END/REPORT (and INIT_REPORT).
 * JSON format writes `{"timestamp","level","requestId","message"}` records and the platform's
 * records as `{"time","type":"platform.start"|"platform.report",…}`.
 */
export type LogFormat = 'Text' | 'JSON';

export interface ReportFields {
  requestId: string;
  durationMs: number;
  billedMs: number;
  memorySizeMB: number;
  maxMemoryUsedMB: number;
  initDurationMs: number | undefined;
  status: 'success' | 'timeout' | 'error';
  errorType: string | undefined;
}

export interface ErrorBody {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

const iso = (t: number): string => new Date(t).toISOString();
export const ms2 = (ms: number): string => ms.toFixed(2);

export class LogFormatter {
  constructor(readonly format: LogFormat) {}

  console(time: number, requestId: string | undefined, level: string, message: string): string {
    if (level === 'RAW') return message.endsWith('\n') ? message.slice(0, -1) : message;
    if (this.format === 'JSON') {
      const record: Record<string, unknown> = { timestamp: iso(time), level };
      if (requestId !== undefined) record['requestId'] = requestId;
      record['message'] = message;
      return JSON.stringify(record);
    }
    return `${iso(time)}\t${requestId ?? 'undefined'}\t${level}\t${message.replace(/\n/g, '\r')}`;
  }

  /** The runtime client's error record: `Invoke Error`, `Uncaught Exception`, `Unhandled Promise Rejection`. */
  error(time: number, requestId: string | undefined, label: string, body: ErrorBody): string {
    if (this.format === 'JSON') {
      const record: Record<string, unknown> = { timestamp: iso(time), level: 'ERROR' };
      if (requestId !== undefined) record['requestId'] = requestId;
      record['message'] = { errorType: body.errorType, errorMessage: body.errorMessage, stackTrace: body.trace ?? [] };
      return JSON.stringify(record);
    }
    const json = JSON.stringify({ errorType: body.errorType, errorMessage: body.errorMessage, stack: body.trace ?? [] });
    return `${iso(time)}\t${requestId ?? 'undefined'}\tERROR\t${label} \t${json}`;
  }

  start(time: number, requestId: string, version: string): string {
    if (this.format === 'JSON') return JSON.stringify({ time: iso(time), type: 'platform.start', record: { requestId, version } });
    return `START RequestId: ${requestId} Version: ${version}`;
  }

  /** Text format only: JSON format has no END record. */
  end(requestId: string): string | undefined {
    return this.format === 'JSON' ? undefined : `END RequestId: ${requestId}`;
  }

  timedOut(time: number, requestId: string, timeoutMs: number): string {
    const text = `Task timed out after ${ms2(timeoutMs / 1000)} seconds`;
    if (this.format === 'JSON') return JSON.stringify({ timestamp: iso(time), level: 'ERROR', requestId, message: text });
    return `${iso(time)} ${requestId} ${text}`;
  }

  report(time: number, f: ReportFields): string {
    if (this.format === 'JSON') {
      const metrics: Record<string, number> = {
        durationMs: round2(f.durationMs),
        billedDurationMs: f.billedMs,
        memorySizeMB: f.memorySizeMB,
        maxMemoryUsedMB: f.maxMemoryUsedMB,
      };
      if (f.initDurationMs !== undefined) metrics['initDurationMs'] = round2(f.initDurationMs);
      const record: Record<string, unknown> = { requestId: f.requestId, metrics, status: f.status };
      if (f.errorType !== undefined) record['errorType'] = f.errorType;
      return JSON.stringify({ time: iso(time), type: 'platform.report', record });
    }
    let line =
      `REPORT RequestId: ${f.requestId}\tDuration: ${ms2(f.durationMs)} ms\tBilled Duration: ${f.billedMs} ms\t` +
      `Memory Size: ${f.memorySizeMB} MB\tMax Memory Used: ${f.maxMemoryUsedMB} MB`;
    if (f.initDurationMs !== undefined) line += `\tInit Duration: ${ms2(f.initDurationMs)} ms`;
    if (f.status === 'timeout') line += '\tStatus: timeout';
    else if (f.status === 'error') line += `\tStatus: error\tError Type: ${f.errorType ?? 'Runtime.ExitError'}`;
    return line;
  }

  initReport(time: number, durationMs: number, phase: 'init' | 'invoke', status: 'error' | 'timeout', errorType: string | undefined): string {
    if (this.format === 'JSON') {
      const record: Record<string, unknown> = { initializationType: 'on-demand', phase, status, metrics: { durationMs: round2(durationMs) } };
      if (errorType !== undefined) record['errorType'] = errorType;
      return JSON.stringify({ time: iso(time), type: 'platform.initReport', record });
    }
    let line = `INIT_REPORT Init Duration: ${ms2(durationMs)} ms\tPhase: ${phase}\tStatus: ${status}`;
    if (status === 'error' && errorType !== undefined) line += `\tError Type: ${errorType}`;
    return line;
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
