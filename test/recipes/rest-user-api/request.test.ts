import { describe, expect, it } from '@jest/globals'
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda'
import {
  bodyBytes,
  isUtf8Body,
  lowerCaseHeaders,
  requestLine,
  routedEvent,
} from '../../../recipes/rest-user-api/request.js'
import { fixture } from '../../helpers/fixtures.js'

function v1(method: string, path: string, stage = 'prod'): APIGatewayProxyEvent {
  const event = fixture<APIGatewayProxyEvent>('apigw-rest-v1')
  return {
    ...event,
    httpMethod: method,
    path,
    resource: '/{proxy+}',
    requestContext: { ...event.requestContext, stage, path: `/${stage}${path}` },
  }
}

function v2(method: string, rawPath: string, stage = '$default'): APIGatewayProxyEventV2 {
  const event = fixture<APIGatewayProxyEventV2>('apigw-http-v2')
  return {
    ...event,
    rawPath,
    routeKey: '$default',
    requestContext: { ...event.requestContext, stage, http: { ...event.requestContext.http, method, path: rawPath } },
  }
}

describe('requestLine', () => {
  it('reads payload 1.0: the path without the stage, the stage as base path', () => {
    expect(requestLine(v1('GET', '/users/u1'))).toEqual({ method: 'GET', path: '/users/u1', basePath: '/prod' })
  })

  it('reads a payload 1.0 fixture as AWS sent it', () => {
    expect(requestLine(fixture<APIGatewayProxyEvent>('apigw-rest-v1'))).toEqual({
      method: 'POST',
      path: '/no-auth',
      basePath: '/prod',
    })
  })

  it('reads payload 2.0 on the $default stage', () => {
    expect(requestLine(v2('delete', '/users/u1'))).toEqual({ method: 'DELETE', path: '/users/u1', basePath: '' })
    expect(requestLine(fixture<APIGatewayProxyEventV2>('apigw-http-v2'))).toEqual({
      method: 'POST',
      path: '/lambda',
      basePath: '',
    })
  })

  it('cuts a named stage off the payload 2.0 raw path', () => {
    expect(requestLine(v2('GET', '/prod/users', 'prod'))).toEqual({ method: 'GET', path: '/users', basePath: '/prod' })
    expect(requestLine(v2('GET', '/prod', 'prod'))).toEqual({ method: 'GET', path: '/', basePath: '/prod' })
    // Only a whole first segment is the stage.
    expect(requestLine(v2('GET', '/production/users', 'prod'))).toMatchObject({ path: '/production/users' })
  })
})

describe('requestLine on other events', () => {
  it('refuses an event that is not an API Gateway proxy event', () => {
    expect(() => requestLine(fixture('sqs') as never)).toThrow(TypeError)
    expect(() => requestLine({ version: '2.0' } as never)).toThrow(TypeError)
  })
})

describe('lowerCaseHeaders', () => {
  it('lower-cases names and joins two spellings of one name', () => {
    expect(lowerCaseHeaders({ 'If-Match': '"1"', 'if-match': '"2"', Accept: '*/*', Skipped: undefined })).toEqual({
      'if-match': '"1", "2"',
      accept: '*/*',
    })
    expect(lowerCaseHeaders(null)).toEqual({})
  })

  it('combines every value of a repeated payload 1.0 field (multiValueHeaders), where headers keeps only the last', () => {
    const headers = { 'If-Match': '"9"', Accept: '*/*' }
    const multiValueHeaders = { 'If-Match': ['"1"', '"9"'], Accept: ['*/*'], 'if-match': ['"2"'] }
    expect(lowerCaseHeaders(headers, multiValueHeaders)).toEqual({ 'if-match': '"1", "9", "2"', accept: '*/*' })
  })
})

describe('routedEvent', () => {
  it('is a copy with the router path parameters, lower-case headers and a query object', () => {
    const event = v1('GET', '/users/u1')
    const before = structuredClone(event)
    const routed = routedEvent(event, { id: 'u1' })
    expect(routed.pathParameters).toEqual({ id: 'u1' })
    expect(routed.queryStringParameters).toEqual({})
    expect(routed.headers['user-agent']).toBe('HTTPie/3.2.2')
    expect(routed.httpMethod).toBe('GET')
    expect(event).toEqual(before)
  })
})

describe('bodyBytes', () => {
  it('counts UTF-8 bytes, decoding base64 bodies', () => {
    expect(bodyBytes({ body: 'é' })).toBe(2)
    expect(bodyBytes({ body: Buffer.from('hello').toString('base64'), isBase64Encoded: true })).toBe(5)
    expect(bodyBytes({ body: null })).toBe(0)
  })
})

describe('isUtf8Body', () => {
  const base64 = (bytes: Buffer) => ({ body: bytes.toString('base64'), isBase64Encoded: true })

  it('refuses a base64 body whose bytes are not UTF-8: invalid, overlong, truncated', () => {
    expect(isUtf8Body(base64(Buffer.from([0x61, 0xff, 0xfe])))).toBe(false)
    expect(isUtf8Body(base64(Buffer.from([0xc0, 0xaf])))).toBe(false)
    expect(isUtf8Body(base64(Buffer.from([0x61, 0xe2, 0x82])))).toBe(false)
  })

  it('accepts a base64 body of valid UTF-8, a string body and no body', () => {
    expect(isUtf8Body(base64(Buffer.from('{"name":"Zoë 🚀"}')))).toBe(true)
    expect(isUtf8Body({ body: '{"name":"Zoë 🚀"}', isBase64Encoded: false })).toBe(true)
    expect(isUtf8Body({ body: '\uFFFD' })).toBe(true)
    expect(isUtf8Body({ body: null, isBase64Encoded: true })).toBe(true)
  })
})
