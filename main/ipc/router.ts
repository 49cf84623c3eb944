import type { Logger } from 'pino';
import { parseRequest, type MessageData, type MessageType, type ReplyValue } from '../../shared/contract';
import { errorEnvelope, okEnvelope, type Envelope } from '../../shared/envelope';
import { LocalBrainError, type ErrorPayload } from '../../shared/errors';
import { limits } from '../../shared/limits';
import type { AuditRecord, AuditSink, AuditSummary, Outcome } from '../ports/audit';
import { onAbort } from '../ports/abort-fanout';
import { RouterMetrics } from './metrics';
import type { Sender } from '../ports/sender';
import { PermissionsService, type AskApproval, type EffectiveScope } from '../services/permissions/permissions-service';
import type { CommandApproval } from '../services/commands/terminal-commands';

export interface HandlerContext {
  readonly sender: Sender;
  /** The permissions that allowed this request (from the authorize step); handlers narrow by these and never re-derive them. */
  readonly scope: EffectiveScope;
  /** Aborted when the deadline passes or the sender goes away. */
  readonly signal: AbortSignal;
  /** The person's "allow once" for a command the policy asked about (a plugin's ask, confirmed by who ran its command). */
  readonly commandApproval?: CommandApproval;
}

/** How one message type is authorized, run and summarized for the audit log. */
export interface Handler<T extends MessageType> {
  /** Scope checks beyond the capability (paths, command policy); throws PermissionDenied or ConfirmationRequired. */
  authorize?(data: MessageData<T>, context: HandlerContext): void | Promise<void>;
  run(data: MessageData<T>, context: HandlerContext): ReplyValue<T> | Promise<ReplyValue<T>>;
  /** What the audit log keeps of the request: never file contents, terminal input or secrets. */
  summarize?(data: MessageData<T>): AuditSummary;
  /** Deadline for this request when it is not the default. */
  deadlineMs?(data: MessageData<T>): number;
  /**
   * True for handlers that change something or run something (writes, commands, shells):
   * their reply waits until the audit entry is durable. Others may be audited in a batch.
   * A function decides per request, for a type that both reads and changes (FileOperation).
   */
  readonly privileged?: boolean | ((data: MessageData<T>) => boolean);
}

export interface DispatchOptions {
  /** Size of the request as received, when the transport knows it; otherwise measured here. */
  readonly byteLength?: number;
  /** Set by a transport that refused the sender before parsing; the refusal is audited like any other outcome. */
  readonly refusal?: LocalBrainError;
  /** Merged into the audit summary, e.g. the `planId` of the spoken plan a step belongs to. */
  readonly auditExtra?: AuditSummary;
  /** The person's "allow once" for a message an `ask` permission held back (Confirm dispatches it). */
  readonly approval?: AskApproval;
  /** The person's "allow once" for a TerminalCommand the command policy held back (handed to its handler). */
  readonly commandApproval?: CommandApproval;
}

export interface RouterOptions {
  readonly audit: AuditSink;
  readonly logger: Logger;
  readonly maxMessageBytes?: number;
  readonly defaultDeadlineMs?: number;
  /** Decides every message before its handler runs; without one, only each sender's own capability counts. */
  readonly permissions?: PermissionsService;
}

type AnyHandler = Handler<MessageType>;

const maxAuditedTypeChars = 64;
/**
 * Why a request's signal aborts once it is answered (so work it started stops). One shared
 * reason: building an Error (and its stack) for every request showed up in the wire profile.
 */
const requestFinished = new LocalBrainError('Internal', 'The request finished.');

function measureBytes(raw: unknown): number {
  // JSON is the wire form in serve mode and a fair measure of a structured-clone payload.
  const json = JSON.stringify(raw) as string | undefined;
  return json === undefined ? 0 : Buffer.byteLength(json, 'utf8');
}

function timeoutError(ms: number): LocalBrainError {
  return new LocalBrainError('Timeout', `The request did not finish within ${ms} ms.`, { deadlineMs: ms });
}

/**
 * The one path every message takes: validate → authorize → run with a deadline →
 * audit → reply. Nothing is thrown to the caller; every outcome is an envelope.
 */
export class Router {
  readonly metrics = new RouterMetrics();
  readonly #handlers = new Map<MessageType, AnyHandler>();
  readonly #audit: AuditSink;
  readonly #logger: Logger;
  readonly #maxMessageBytes: number;
  readonly #defaultDeadlineMs: number;
  readonly #permissions: PermissionsService;

  constructor(options: RouterOptions) {
    this.#audit = options.audit;
    this.#logger = options.logger;
    this.#maxMessageBytes = options.maxMessageBytes ?? limits.maxMessageBytes;
    this.#defaultDeadlineMs = options.defaultDeadlineMs ?? limits.defaultDeadlineMs;
    this.#permissions = options.permissions ?? new PermissionsService();
  }

  get permissions(): PermissionsService {
    return this.#permissions;
  }

  /** Registers the handler for a type; the returned function unregisters it. */
  register<T extends MessageType>(type: T, handler: Handler<T>): () => void {
    if (this.#handlers.has(type)) throw new Error(`a handler for ${type} is already registered`);
    const stored = handler as unknown as AnyHandler;
    this.#handlers.set(type, stored);
    return () => {
      if (this.#handlers.get(type) === stored) this.#handlers.delete(type);
    };
  }

  async dispatch(raw: unknown, sender: Sender, options: DispatchOptions = {}): Promise<Envelope<unknown>> {
    const started = performance.now();
    let type = typeof raw === 'object' && raw !== null && 'type' in raw && typeof raw.type === 'string' ? raw.type : '(invalid)';
    let summary: AuditSummary = {};
    let outcome: Outcome = 'ok';
    let privileged = false;
    let reply: Envelope<unknown>;
    try {
      if (options.refusal) throw options.refusal;
      const request = this.#validate(raw, options.byteLength);
      type = request.type;
      const handler = this.#handlers.get(request.type);
      summary = handler?.summarize?.(request.data) ?? {};
      privileged = typeof handler?.privileged === 'function' ? handler.privileged(request.data) : (handler?.privileged ?? false);
      const scope = await this.#permissions.authorize(sender, request, options.approval);
      if (!handler) throw new LocalBrainError('Unavailable', `${request.type} is not available in this build.`);
      const value = await this.#run(handler, request.data, sender, scope, options.commandApproval);
      reply = okEnvelope(value);
    } catch (error) {
      const payload = this.#toPayload(error, type);
      outcome = payload.code;
      reply = errorEnvelope(payload);
    }
    const durationMs = performance.now() - started;
    this.metrics.record(type, outcome, durationMs);
    const record = {
      time: Date.now(),
      actor: sender.actor,
      type: type.slice(0, maxAuditedTypeChars),
      summary: options.auditExtra ? { ...summary, ...options.auditExtra } : summary,
      outcome,
      durationMs,
    };
    return this.#audited(reply, record, privileged);
  }

  #validate(raw: unknown, byteLength: number | undefined) {
    let size: number;
    try {
      size = byteLength ?? measureBytes(raw);
    } catch (error) {
      throw new LocalBrainError('Serialization', 'The message could not be serialized.', undefined, { cause: error });
    }
    if (size > this.#maxMessageBytes) {
      throw new LocalBrainError('ValidationFailed', `The message is ${size} bytes; the limit is ${this.#maxMessageBytes}.`, [
        { code: 'too_big', path: [], message: `message exceeds ${this.#maxMessageBytes} bytes`, maximum: this.#maxMessageBytes },
      ]);
    }
    const parsed = parseRequest(raw);
    if (!parsed.ok) {
      throw new LocalBrainError('ValidationFailed', `The message is not a valid ${parsed.type ?? 'request'}.`, parsed.issues);
    }
    return parsed.request;
  }

  /**
   * Runs the handler until it settles, its deadline passes or the sender goes away. The
   * AbortController behind `context.signal` is made only when a handler reads the signal
   * (most never do): on the plugin invoke path its creation, listeners and abort event were
   * a fifth of the router's time.
   */
  async #run(
    handler: AnyHandler,
    data: MessageData<MessageType>,
    sender: Sender,
    scope: EffectiveScope,
    commandApproval: CommandApproval | undefined,
  ): Promise<unknown> {
    const external = sender.closed;
    const deadlineMs = handler.deadlineMs?.(data) ?? this.#defaultDeadlineMs;
    let controller: AbortController | undefined;
    let ended: Error | undefined;
    const context: HandlerContext = {
      sender,
      scope,
      commandApproval,
      get signal(): AbortSignal {
        if (!controller) {
          controller = new AbortController();
          if (ended) controller.abort(ended);
        }
        return controller.signal;
      },
    };
    // One promise settled by whichever comes first, the handler or the end of the request: this
    // runs for every message, and a race of two promises plus an async wrapper was a fifth of its garbage.
    let timer: NodeJS.Timeout | undefined;
    let stopWaiting: (() => void) | undefined;
    try {
      return await new Promise<unknown>((resolve, reject) => {
        const end = (reason: Error): void => {
          if (ended) return;
          ended = reason;
          controller?.abort(reason);
          reject(reason);
        };
        // A sender closed on purpose (a cancelled plan) says why; otherwise the client went away.
        const onExternalAbort = () =>
          end(
            external.reason instanceof LocalBrainError
              ? external.reason
              : new LocalBrainError('Unavailable', 'The client went away.'),
          );
        if (external.aborted) onExternalAbort();
        else stopWaiting = onAbort(external, onExternalAbort);
        timer = setTimeout(() => end(timeoutError(deadlineMs)), deadlineMs);
        Promise.resolve(handler.authorize?.(data, context))
          .then(() => handler.run(data, context))
          .then(resolve, reject);
      });
    } finally {
      clearTimeout(timer);
      stopWaiting?.();
      // Whatever a handler tied to its signal ends with the request.
      if (controller && !controller.signal.aborted) controller.abort(requestFinished);
    }
  }

  #toPayload(error: unknown, type: string): ErrorPayload {
    if (error instanceof LocalBrainError) return error.toPayload();
    this.#logger.error({ err: error, type }, 'handler failed');
    return { code: 'Internal', message: 'Something went wrong inside LocalBrain; the details are in its log.' };
  }

  async #audited(reply: Envelope<unknown>, record: AuditRecord, privileged: boolean): Promise<Envelope<unknown>> {
    try {
      await this.#audit.append(record, { privileged });
      return reply;
    } catch (error) {
      // Fail closed: a privileged action whose record could not be kept is not reported as a success.
      this.#logger.error({ err: error, type: record.type }, 'audit append failed');
      return errorEnvelope({
        code: 'Database',
        message: 'The request ran, but its audit entry could not be written.',
        details: { completed: record.outcome === 'ok', outcome: record.outcome },
      });
    }
  }
}
