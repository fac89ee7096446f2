// Every named schema of the compatibility APIs (spread into SHARED_SCHEMAS).
import {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingsRequest,
  EmbeddingsResponse,
  OpenAIError,
  OpenAIModel,
  OpenAIModelList,
  OpenAIModelParams,
} from './openai.js';
import { CohereRerankResponse, CompatRerankError, CompatRerankRequest, JinaRerankResponse } from './rerank.js';
import {
  WeaviateError,
  WeaviateMeta,
  WeaviateRerankRequest,
  WeaviateRerankResponse,
  WeaviateVectorsRequest,
  WeaviateVectorsResponse,
} from './weaviate.js';

export const COMPAT_SCHEMAS = [
  OpenAIError,
  EmbeddingsRequest,
  EmbeddingsResponse,
  OpenAIModel,
  OpenAIModelList,
  OpenAIModelParams,
  ChatCompletionRequest,
  ChatCompletion,
  ChatCompletionChunk,
  CompatRerankRequest,
  CohereRerankResponse,
  JinaRerankResponse,
  CompatRerankError,
  WeaviateVectorsRequest,
  WeaviateVectorsResponse,
  WeaviateRerankRequest,
  WeaviateRerankResponse,
  WeaviateMeta,
  WeaviateError,
];
