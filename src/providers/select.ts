// The translator matrix: which (client schema, backend schema) pairs Sluice can serve, as an
// exhaustive switch (a new schema name fails to compile until every pair says what it does).
// undefined = the pair is not supported; the forward stage answers that with a clear error.
import type { BackendSchemaName, ClientSchema, Translator } from '../runtime/translator.ts';
import { geminiToGemini } from './translators/gemini-to-gemini.ts';
import { geminiToOpenAI } from './translators/gemini-to-openai.ts';
import { anthropicToAWSAnthropic, anthropicToAnthropic, anthropicToGCPAnthropic } from './translators/anthropic-to-anthropic.ts';
import { anthropicToBedrock } from './translators/anthropic-to-bedrock.ts';
import { anthropicToOpenAI } from './translators/anthropic-to-openai.ts';
import { openAIToAWSAnthropic, openAIToAnthropic, openAIToGCPAnthropic } from './translators/openai-to-anthropic.ts';
import { openAIToAzure } from './translators/openai-to-azure.ts';
import { openAIToBedrock } from './translators/openai-to-bedrock.ts';
import { openAIToGemini } from './translators/openai-to-gemini.ts';
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
          return openAIToAzure;
        case 'GCPVertexAI':
          return openAIToGemini;
        case 'AWSBedrock':
          return openAIToBedrock;
        case 'Anthropic':
          return openAIToAnthropic;
        case 'GCPAnthropic':
          return openAIToGCPAnthropic;
        case 'AWSAnthropic':
          return openAIToAWSAnthropic;
        default:
          return assertNever(backend);
      }
    case 'Gemini':
      switch (backend) {
        case 'OpenAI':
          return geminiToOpenAI;
        case 'GCPVertexAI':
          return geminiToGemini;
        case 'AzureOpenAI':
        case 'Anthropic':
        case 'AWSBedrock':
        case 'GCPAnthropic':
        case 'AWSAnthropic':
          return undefined;
        default:
          return assertNever(backend);
      }
    case 'Anthropic':
      switch (backend) {
        case 'AWSBedrock':
          return anthropicToBedrock;
        case 'OpenAI':
          return anthropicToOpenAI;
        case 'Anthropic':
          return anthropicToAnthropic;
        case 'GCPAnthropic':
          return anthropicToGCPAnthropic;
        case 'AWSAnthropic':
          return anthropicToAWSAnthropic;
        case 'AzureOpenAI':
        case 'GCPVertexAI':
          return undefined;
        default:
          return assertNever(backend);
      }
    default:
      return assertNever(client);
  }
}
