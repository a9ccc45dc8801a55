// The translator matrix: which (client schema, backend schema) pairs Sluice can serve, as an
// exhaustive switch (a new schema name fails to compile until every pair says what it does).
// undefined = the pair is not supported; the forward stage answers that with a clear error.
import type { BackendSchemaName, ClientSchema, Translator } from '../runtime/translator.ts';
import { openAIToOpenAI } from './translators/openai-to-openai.ts';

function assertNever(x: never): never {
  throw new Error(`unhandled schema ${String(x)}`);
}

export function selectTranslator(client: ClientSchema, backend: BackendSchemaName): Translator | undefined {
  switch (client) {
    case 'OpenAI':
      switch (backend) {
        case 'OpenAI':
          return openAIToOpenAI;
        case 'AzureOpenAI':
        case 'Anthropic':
        case 'AWSBedrock':
        case 'GCPVertexAI':
        case 'GCPAnthropic':
        case 'AWSAnthropic':
          return undefined;
        default:
          return assertNever(backend);
      }
    case 'Anthropic':
    case 'Gemini':
      switch (backend) {
        case 'OpenAI':
        case 'AzureOpenAI':
        case 'Anthropic':
        case 'AWSBedrock':
        case 'GCPVertexAI':
        case 'GCPAnthropic':
        case 'AWSAnthropic':
          return undefined;
        default:
          return assertNever(backend);
      }
    default:
      return assertNever(client);
  }
}
