// Failure injection (--failure-injection-rate, --failure-types): a share of completion requests is
// answered at once with one of upstream's error kinds instead of being run.

import { HttpError } from './http-util.ts';
import { FAILURE_TYPES } from './options.ts';
import type { FailureType } from './options.ts';
import type { Random } from './random.ts';

export function failureError(kind: FailureType, model: string): HttpError {
  switch (kind) {
    case 'rate_limit':
      return new HttpError(429, 'rate_limit_error', 'rate_limit_exceeded', `rate limit reached for model ${model} (injected failure)`);
    case 'invalid_api_key':
      return new HttpError(401, 'authentication_error', 'invalid_api_key', 'invalid API key (injected failure)');
    case 'context_length':
      return new HttpError(400, 'invalid_request_error', 'context_length_exceeded',
        `the request exceeds the context window of model ${model} (injected failure)`, 'messages');
    case 'server_error':
      return new HttpError(503, 'server_error', 'server_error', 'the model server had an error (injected failure)');
    case 'invalid_request':
      return new HttpError(400, 'invalid_request_error', 'invalid_request', 'invalid request (injected failure)');
    case 'model_not_found':
      return new HttpError(404, 'invalid_request_error', 'model_not_found', `the model ${model} does not exist (injected failure)`, 'model');
  }
}

/** Returns the error to answer with, or undefined to run the request normally. */
export function maybeInjectFailure(rng: Random, ratePercent: number, kinds: readonly FailureType[], model: string): HttpError | undefined {
  if (ratePercent <= 0 || rng.next() * 100 >= ratePercent) return undefined;
  return failureError(rng.pick(kinds.length > 0 ? kinds : FAILURE_TYPES), model);
}
