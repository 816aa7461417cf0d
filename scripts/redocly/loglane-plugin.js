// Loglane's contract rules that need logic beyond configurable assertions.
const hasAuth = (op) => (op.security ?? []).some((req) => Object.keys(req).length > 0);
const takesInput = (op, pathItem) => Boolean(op.requestBody) || (op.parameters ?? []).length > 0 || (pathItem.parameters ?? []).length > 0;

function OperationErrorResponses() {
  return {
    PathItem: {
      Operation: {
        enter(op, ctx) {
          const statuses = Object.keys(op.responses ?? {});
          const missing = [];
          if (!statuses.includes('500')) missing.push('500');
          if (op['x-rate-limited'] !== false && !statuses.includes('429')) missing.push('429');
          if (hasAuth(op) && !statuses.includes('401')) missing.push('401');
          if (takesInput(op, ctx.parent ?? {}) && !statuses.includes('400')) missing.push('400');
          if (missing.length) {
            ctx.report({
              message: `Operation ${op.operationId ?? ''} must declare ${missing.join(', ')}.`,
              location: ctx.location.child('responses'),
            });
          }
        },
      },
    },
  };
}

// Request bodies and success responses with JSON content carry examples for the reference docs.
function OperationExamples() {
  return {
    Operation: {
      enter(op, ctx) {
        const lacks = (media) => media && !media.examples && !media.example;
        if (lacks(op.requestBody?.content?.['application/json'])) {
          ctx.report({ message: 'The JSON request body needs examples.', location: ctx.location.child('requestBody') });
        }
        for (const [status, response] of Object.entries(op.responses ?? {})) {
          if (!status.startsWith('2') || response.$ref) continue;
          const media = response.content?.['application/json'];
          if (media?.schema?.$ref && lacks(media)) {
            ctx.report({ message: `The ${status} response needs examples.`, location: ctx.location.child(['responses', status]) });
          }
        }
      },
    },
  };
}

// Successful JSON answers are success envelopes, except operations that serve a raw document
// (the contract itself) and say so with `x-raw-response: true`.
function SuccessUsesEnvelope() {
  return {
    Operation: {
      enter(op, ctx) {
        if (op['x-raw-response'] === true) return;
        for (const [status, response] of Object.entries(op.responses ?? {})) {
          const ref = response.content?.['application/json']?.schema?.$ref;
          if (status.startsWith('2') && response.content?.['application/json'] && !/Envelope(\.yaml)?$/.test(ref ?? '')) {
            ctx.report({
              message: `The ${status} response must use a success envelope schema.`,
              location: ctx.location.child(['responses', status]),
            });
          }
        }
      },
    },
  };
}

export default function loglanePlugin() {
  return {
    id: 'loglane',
    rules: {
      oas3: {
        'operation-error-responses': OperationErrorResponses,
        'operation-examples': OperationExamples,
        'success-uses-envelope': SuccessUsesEnvelope,
      },
    },
  };
}
