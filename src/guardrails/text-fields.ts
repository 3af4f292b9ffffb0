// Where the text is in the bodies Warden understands. Each field is a string
// inside the parsed JSON, named by its path (reported as the finding's
// location) and writable (for redaction). Shapes are recognised by their keys,
// so Vertex's OpenAI-compatible endpoint and OpenAI itself read alike:
//
//   requests   Vertex  contents[].parts[].text, systemInstruction, functionCall.args,
//                      functionResponse.response, executableCode.code, codeExecutionResult.output,
//                      instances[] (predict); proto field names (function_response) as well
//              OpenAI  messages[].content (string or [{type:text,text}]), tool_calls[].function.arguments,
//                      prompt, input, instructions
//              Anthropic (partner models' rawPredict)  system, messages[].content blocks: text,
//                      tool_use input, tool_result content
//              Interactions  input (a string, content blocks, or turns of them), system_instruction
//   responses  Vertex  candidates[].content.parts[].text, functionCall.args, predictions[]
//              OpenAI  choices[].message.content / .delta.content / .text, tool_calls arguments,
//                      output[].content[].text, `response.output_text.delta` events
//              Anthropic  content[].text, tool_use input; stream: content_block_delta (text, partial_json)
//              Interactions  outputs[].text, steps' text; stream: content.delta / step.delta
//   MCP (JSON-RPC)     requests   params.arguments (tools/call, prompts/get), params.argument.value (completion)
//                      responses  result.content[] text and embedded resources, result.structuredContent,
//                                 result.messages[].content (prompts/get), result.contents[].text (resources/read)
//
// In a stream, a field that continues from event to event (a candidate's
// text, a choice's delta) carries a `channel`: the key its pieces share.

type Obj = Record<string, unknown>;

export interface TextField {
  path: string;
  value: string;
  set(v: string): void;
  /** Stream continuation key; absent for self-contained values. */
  channel?: string;
  /** `tool`: a tool's or function's result handed back to the model (data that may carry indirect injection). */
  source?: 'tool';
}

function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

function str(o: Obj, key: string, path: string, out: TextField[], channel?: string): void {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0) return;
  const f: TextField = { path, value: v, set: (x) => (o[key] = x) };
  if (channel !== undefined) f.channel = channel;
  out.push(f);
}

/** Every string leaf under `v` (function arguments, predict instances): bounded depth. */
function leaves(holder: Obj | unknown[], key: string | number, path: string, out: TextField[], depth = 0): void {
  const v = (holder as Obj)[key as string];
  if (typeof v === 'string') {
    if (v.length > 0) out.push({ path, value: v, set: (x) => ((holder as Obj)[key as string] = x) });
  } else if (depth < 16 && Array.isArray(v)) {
    v.forEach((_, i) => leaves(v, i, `${path}[${i}]`, out, depth + 1));
  } else if (depth < 16 && obj(v)) {
    for (const k of Object.keys(v as Obj)) leaves(v as Obj, k, `${path}.${k}`, out, depth + 1);
  }
}

function each(v: unknown, fn: (o: Obj, i: number) => void): void {
  if (Array.isArray(v)) v.forEach((e, i) => { const o = obj(e); if (o) fn(o, i); });
}

/**
 * The keys a protobuf field may be sent under: its JSON name and its proto name
 * (`functionResponse`, `function_response`), both of which Vertex's JSON parser
 * accepts. Both are read, so that text under either is scanned.
 */
function protoKeys(jsonName: string): readonly string[] {
  const protoName = jsonName.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return protoName === jsonName ? [jsonName] : [jsonName, protoName];
}
const FUNCTION_CALL = protoKeys('functionCall');
const FUNCTION_RESPONSE = protoKeys('functionResponse');
const EXECUTABLE_CODE = protoKeys('executableCode');
const CODE_RESULT = protoKeys('codeExecutionResult');
const SYSTEM_INSTRUCTION = protoKeys('systemInstruction');

/** Gemini `Content`: parts[] of text, function calls and responses, code and its output. */
function content(c: Obj, path: string, out: TextField[], channel?: string): void {
  each(c['parts'], (p, j) => {
    const at = `${path}.parts[${j}]`;
    str(p, 'text', `${at}.text`, out, channel === undefined ? undefined : `${channel}.parts[${j}]`);
    for (const key of FUNCTION_CALL) {
      const call = obj(p[key]);
      if (call) leaves(call, 'args', `${at}.${key}.args`, out);
    }
    for (const key of FUNCTION_RESPONSE) {
      const resp = obj(p[key]);
      if (!resp) continue;
      const from = out.length;
      leaves(resp, 'response', `${at}.${key}.response`, out);
      for (let k = from; k < out.length; k++) out[k]!.source = 'tool';
    }
    for (const key of EXECUTABLE_CODE) {
      const code = obj(p[key]);
      if (code) str(code, 'code', `${at}.${key}.code`, out);
    }
    for (const key of CODE_RESULT) {
      const result = obj(p[key]);
      if (result) str(result, 'output', `${at}.${key}.output`, out);
    }
  });
}

/** OpenAI message `content`: a string, or an array of parts with `text` (Anthropic's content blocks too). */
function messageContent(m: Obj, path: string, out: TextField[], channel?: string): void {
  if (typeof m['content'] === 'string') str(m, 'content', `${path}.content`, out, channel);
  else each(m['content'], (p, k) => contentBlock(p, `${path}.content[${k}]`, out));
  each(m['tool_calls'], (tc, k) => {
    const fn = obj(tc['function']);
    const idx = typeof tc['index'] === 'number' ? tc['index'] : k;
    if (fn) str(fn, 'arguments', `${path}.tool_calls[${k}].function.arguments`, out, channel === undefined ? undefined : `${channel}.tool_calls[${idx}]`);
  });
}

/**
 * One content block: `{type: text, text}` (OpenAI and Anthropic), Anthropic's `tool_use` (its
 * `input`, the model's arguments) and `tool_result` (its `content`, a tool's answer handed back:
 * data that may carry indirect injection).
 */
function contentBlock(p: Obj, path: string, out: TextField[]): void {
  str(p, 'text', `${path}.text`, out);
  if (p['type'] === 'tool_use' && p['input'] !== undefined) leaves(p, 'input', `${path}.input`, out);
  if (p['type'] === 'tool_result') {
    const from = out.length;
    if (typeof p['content'] === 'string') str(p, 'content', `${path}.content`, out);
    else each(p['content'], (b, k) => contentBlock(b, `${path}.content[${k}]`, out));
    for (let k = from; k < out.length; k++) out[k]!.source = 'tool';
  }
}

function stringOrList(o: Obj, key: string, out: TextField[]): void {
  if (typeof o[key] === 'string') str(o, key, key, out);
  else if (Array.isArray(o[key])) {
    const list = o[key] as unknown[];
    list.forEach((e, i) => {
      if (typeof e === 'string') leaves(list, i, `${key}[${i}]`, out);
      else { const m = obj(e); if (m) messageContent(m, `${key}[${i}]`, out); }
    });
  }
}

export function requestTextFields(body: unknown): TextField[] {
  const b = obj(body);
  const out: TextField[] = [];
  if (!b) return out;
  if (b['jsonrpc'] === '2.0') return mcpRequestFields(b, out);
  for (const key of SYSTEM_INSTRUCTION) {
    const sys = b[key];
    if (typeof sys === 'string') str(b, key, key, out);
    else if (obj(sys)) content(sys as Obj, key, out);
  }
  // Anthropic Messages: `system` is a string or a list of text blocks.
  if (typeof b['system'] === 'string') str(b, 'system', 'system', out);
  else each(b['system'], (p, k) => contentBlock(p, `system[${k}]`, out));
  each(b['contents'], (c, i) => content(c, `contents[${i}]`, out));
  each(b['messages'], (m, i) => {
    const from = out.length;
    messageContent(m, `messages[${i}]`, out);
    if (m['role'] === 'tool' || m['role'] === 'function') for (let k = from; k < out.length; k++) out[k]!.source = 'tool';
  });
  if (b['instances'] !== undefined) leaves(b, 'instances', 'instances', out);
  stringOrList(b, 'prompt', out);
  // Interactions name a model or an agent; their `input` is a string, a content block, or a list of blocks or steps.
  const interaction = b['agent'] !== undefined || (b['model'] !== undefined && b['messages'] === undefined && b['contents'] === undefined);
  if (interaction && obj(b['input'])) interactionInput(b['input'] as Obj, 'input', out);
  else if (interaction && Array.isArray(b['input'])) each(b['input'], (e, i) => interactionInput(e, `input[${i}]`, out));
  else stringOrList(b, 'input', out);
  str(b, 'instructions', 'instructions', out);
  return out;
}

/**
 * An Interactions input element: a content block (`{type: text, text}`), a step holding blocks
 * (`user_input`, `model_output`: its `content`), a function call's `arguments`, a function result
 * (a tool's answer handed back: data that may carry indirect injection).
 */
function interactionInput(e: Obj, path: string, out: TextField[]): void {
  if (typeof e['content'] === 'string') str(e, 'content', `${path}.content`, out);
  else each(e['content'], (p, k) => interactionInput(p, `${path}.content[${k}]`, out));
  str(e, 'text', `${path}.text`, out);
  if (e['type'] === 'function_result') {
    const from = out.length;
    if (e['result'] !== undefined) leaves(e, 'result', `${path}.result`, out);
    for (let k = from; k < out.length; k++) out[k]!.source = 'tool';
  }
  if (e['type'] === 'function_call' && e['arguments'] !== undefined) leaves(e, 'arguments', `${path}.arguments`, out);
}

/** `stream` marks fields that continue across events with a channel. */
export function responseTextFields(body: unknown, stream = false): TextField[] {
  const b = obj(body);
  const out: TextField[] = [];
  if (!b) return out;
  // An MCP message is self-contained, in a JSON body or in one SSE event: no text continues across events.
  if (b['jsonrpc'] === '2.0') return mcpResultFields(b, out);
  each(b['candidates'], (c, i) => {
    const idx = typeof c['index'] === 'number' ? c['index'] : i;
    const ct = obj(c['content']);
    if (ct) content(ct, `candidates[${i}].content`, out, stream ? `candidates[${idx}]` : undefined);
  });
  each(b['choices'], (c, i) => {
    const idx = typeof c['index'] === 'number' ? c['index'] : i;
    const ch = stream ? `choices[${idx}]` : undefined;
    const msg = obj(c['message']);
    if (msg) messageContent(msg, `choices[${i}].message`, out);
    const delta = obj(c['delta']);
    if (delta) messageContent(delta, `choices[${i}].delta`, out, ch);
    str(c, 'text', `choices[${i}].text`, out, ch);
  });
  if (b['predictions'] !== undefined) leaves(b, 'predictions', 'predictions', out);
  each(b['output'], (o, i) => each(o['content'], (p, k) => str(p, 'text', `output[${i}].content[${k}].text`, out)));
  if (b['type'] === 'response.output_text.delta') {
    str(b, 'delta', 'delta', out, stream ? `output[${String(b['output_index'])}].content[${String(b['content_index'])}]` : undefined);
  }
  // Responses API events that repeat the whole text: scanned as they are.
  if (b['type'] === 'response.output_text.done') str(b, 'text', 'text', out);
  const r = obj(b['response']);
  if (r) each(r['output'], (o, i) => each(o['content'], (p, k) => str(p, 'text', `response.output[${i}].content[${k}].text`, out)));
  anthropicAnswer(b, stream, out);
  interactionAnswer(b, '', stream, out);
  return out;
}

/**
 * Anthropic Messages (partner models on Vertex): a message's `content` blocks, and in a stream the
 * `content_block_start` / `content_block_delta` events of block `index` (its channel `content[index]`).
 */
function anthropicAnswer(b: Obj, stream: boolean, out: TextField[]): void {
  const type = b['type'];
  if (type === 'message') each(b['content'], (p, k) => contentBlock(p, `content[${k}]`, out));
  else if (type === 'message_start') {
    const m = obj(b['message']);
    if (m) each(m['content'], (p, k) => contentBlock(p, `message.content[${k}]`, out));
  } else if (type === 'content_block_start' || type === 'content_block_delta') {
    const key = type === 'content_block_start' ? 'content_block' : 'delta';
    const block = obj(b[key]);
    const ch = stream ? `content[${String(b['index'])}]` : undefined;
    if (block) {
      str(block, 'text', `${key}.text`, out, ch);
      str(block, 'partial_json', `${key}.partial_json`, out, ch);
    }
  }
}

/**
 * Interactions: an Interaction's `outputs` (content blocks) and `steps` (model output holds blocks),
 * whole or as the `interaction` of a lifecycle event; in a stream the `content.delta` and `step.delta`
 * events of output or step `index` (channels `outputs[index]`, `steps[index]`).
 */
function interactionAnswer(b: Obj, at: string, stream: boolean, out: TextField[]): void {
  each(b['outputs'], (o, i) => contentBlock(o, `${at}outputs[${i}]`, out));
  each(b['steps'], (st, i) => {
    each(st['content'], (p, k) => contentBlock(p, `${at}steps[${i}].content[${k}]`, out));
    if (st['type'] === 'function_call' && st['arguments'] !== undefined) leaves(st, 'arguments', `${at}steps[${i}].arguments`, out);
  });
  const type = b['event_type'];
  if (type === 'content.delta' || type === 'step.delta') {
    const d = obj(b['delta']);
    if (d) str(d, 'text', 'delta.text', out, stream ? `${type === 'step.delta' ? 'steps' : 'outputs'}[${String(b['index'])}]` : undefined);
  } else if (type !== undefined && at === '') {
    const i = obj(b['interaction']);
    if (i) interactionAnswer(i, 'interaction.', false, out);
    const st = obj(b['step']);
    if (st) each(st['content'], (p, k) => contentBlock(p, `step.content[${k}]`, out));
  }
}

/** An MCP request's arguments: a tool's (any JSON), a prompt's (strings), a completion's partial value. */
function mcpRequestFields(b: Obj, out: TextField[]): TextField[] {
  const params = obj(b['params']);
  if (!params) return out;
  if (params['arguments'] !== undefined) leaves(params, 'arguments', 'params.arguments', out);
  const arg = obj(params['argument']);
  if (arg) str(arg, 'value', 'params.argument.value', out);
  return out;
}

/** One MCP content block (text, or a resource embedded with its text). */
function mcpContent(c: Obj, path: string, out: TextField[]): void {
  str(c, 'text', `${path}.text`, out);
  const r = obj(c['resource']);
  if (r) str(r, 'text', `${path}.resource.text`, out);
}

/** The text of an MCP answer: a tool's result, a prompt's messages, a resource's contents. */
function mcpResultFields(b: Obj, out: TextField[]): TextField[] {
  const r = obj(b['result']);
  if (!r) return out;
  each(r['content'], (c, i) => mcpContent(c, `result.content[${i}]`, out));
  if (r['structuredContent'] !== undefined) leaves(r, 'structuredContent', 'result.structuredContent', out);
  each(r['messages'], (m, i) => {
    const c = obj(m['content']);
    if (c) mcpContent(c, `result.messages[${i}].content`, out);
  });
  each(r['contents'], (c, i) => str(c, 'text', `result.contents[${i}].text`, out));
  return out;
}

/** Whether a stream event finishes its channel(s): Gemini `finishReason`, OpenAI `finish_reason`. */
export function finishedChannels(body: unknown): string[] {
  const b = obj(body);
  const out: string[] = [];
  if (!b) return out;
  each(b['candidates'], (c, i) => {
    if (c['finishReason'] !== undefined && c['finishReason'] !== null) out.push(`candidates[${typeof c['index'] === 'number' ? c['index'] : i}]`);
  });
  each(b['choices'], (c, i) => {
    if (c['finish_reason'] !== undefined && c['finish_reason'] !== null) out.push(`choices[${typeof c['index'] === 'number' ? c['index'] : i}]`);
  });
  // Responses API: a text part is done, or the whole response is.
  if (b['type'] === 'response.output_text.done') out.push(`output[${String(b['output_index'])}].content[${String(b['content_index'])}]`);
  else if (typeof b['type'] === 'string' && /^response\.(completed|incomplete|failed)$/.test(b['type'])) out.push('output');
  // Anthropic: a content block is done, or the whole message is.
  else if (b['type'] === 'content_block_stop') out.push(`content[${String(b['index'])}]`);
  else if (b['type'] === 'message_delta' || b['type'] === 'message_stop') out.push('content');
  // Interactions: an output or a step is done, or the whole interaction is.
  const et = b['event_type'];
  if (et === 'content.stop') out.push(`outputs[${String(b['index'])}]`);
  else if (et === 'step.stop') out.push(`steps[${String(b['index'])}]`);
  else if (et === 'interaction.completed' || et === 'error') out.push('outputs', 'steps');
  return out;
}
