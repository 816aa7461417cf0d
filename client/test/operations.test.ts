// The client's generated operation table agrees with the contract and the error catalog.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODES_BY_STATUS, operations } from '../../generated/client-operations.ts';
import { ERRORS } from '../../generated/errors.ts';
import { renderClientOperations } from '../../scripts/client-operations.ts';
import { ROOT, readJson } from '../../scripts/lib.ts';
import { TOKEN_EXPIRED_MESSAGE } from '../src/refresh.ts';

const contract = readJson(path.join(ROOT, 'generated', 'openapi.json'));

describe('generated/client-operations.ts', () => {
  it('has every public operation but the event stream (tailLogs has its own iterator), and no internal one', () => {
    const ids = Object.values<Record<string, { operationId: string; 'x-internal'?: boolean }>>(contract.paths).flatMap((item) =>
      Object.values(item)
        .filter((op) => op?.operationId && !op['x-internal'])
        .map((op) => op.operationId),
    );
    expect(ids).toContain('tailLogs');
    expect(Object.keys(operations).sort()).toEqual(ids.filter((id) => id !== 'tailLogs').sort());
    const internal = readJson(path.join(ROOT, 'generated', 'openapi.internal.json'));
    expect(renderClientOperations(internal)).not.toContain('listOutbox');
  });

  it('maps statuses to the codes of generated/errors.ts', () => {
    const fromCatalog: Record<number, string[]> = {};
    for (const { status, code } of Object.values(ERRORS)) {
      if (!fromCatalog[status]?.includes(code)) (fromCatalog[status] ??= []).push(code);
    }
    expect(CODES_BY_STATUS).toEqual(fromCatalog);
  });

  it('refreshes on the catalog message of an expired token', () => {
    expect(TOKEN_EXPIRED_MESSAGE).toBe(ERRORS.tokenExpired.message);
  });

  it('refuses contracts it cannot serve correctly', () => {
    const withScheme = structuredClone(contract);
    withScheme.paths['/v1/me'].get.security = [{ Cookie: [] }];
    withScheme.components.securitySchemes.Cookie = { type: 'apiKey', in: 'cookie', name: 'sid' };
    expect(() => renderClientOperations(withScheme)).toThrow(/unknown security scheme Cookie/);
    const withRange = structuredClone(contract);
    withRange.paths['/v1/me'].get.responses['4XX'] = { description: 'x' };
    expect(() => renderClientOperations(withRange)).toThrow(/not a concrete status/);
    const withObjectQuery = structuredClone(contract);
    withObjectQuery.paths['/v1/logs'].get.parameters.push({ name: 'filter', in: 'query', style: 'form', schema: { type: 'object' } });
    expect(() => renderClientOperations(withObjectQuery)).toThrow(
      /query parameter filter is serialised in a way the client does not support/,
    );
    const withHeader = structuredClone(contract);
    withHeader.paths['/v1/logs'].get.parameters.push({ name: 'X-Tenant', in: 'header', schema: { type: 'integer' } });
    expect(() => renderClientOperations(withHeader)).toThrow(
      /header parameter X-Tenant is serialised in a way the client does not support/,
    );
    const withCookie = structuredClone(contract);
    withCookie.paths['/v1/logs'].get.parameters.push({ name: 'sid', in: 'cookie', schema: { type: 'string' } });
    expect(() => renderClientOperations(withCookie)).toThrow(/the client sends no cookie parameters/);
  });
});
