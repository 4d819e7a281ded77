/**
 * What the Kinesis event source mapping emulator sends where, when it gives up on a batch.
 *
 * @module
 */

/**
 * What Lambda sends to the on-failure destination when it gives up on a batch. It names the records
 * (`KinesisBatchInfo`); it does not carry them.
 * @group Local cloud
 */
export interface KinesisOnFailureRecord {
  /** Why and for which function. */
  requestContext: {
    /** A fresh id for this failure report. */
    requestId: string
    /** The function's ARN. */
    functionArn: string
    /** `RetryAttemptsExhausted` after `maximumRetryAttempts`, `RecordAgeExceeded` past `maximumRecordAgeInSeconds`. */
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded'
    /** How many times this batch was invoked. */
    approximateInvokeCount: number
  }
  /** How the last invocation ended. */
  responseContext: {
    /** `200` for an invocation that ran (even when the function failed), `0` when the batch was never invoked. */
    statusCode: number
    /** `$LATEST`. */
    executedVersion: string
    /** `Unhandled` when the function threw or timed out; absent when it returned a response that reported failure. */
    functionError?: string
  }
  /** `1.0`. */
  version: string
  /** When Lambda gave up, ISO-8601. */
  timestamp: string
  /** The records given up on: one shard, a contiguous range of sequence numbers. */
  KinesisBatchInfo: {
    /** The shard, e.g. `shardId-000000000000`. */
    shardId: string
    /** The first record's sequence number. */
    startSequenceNumber: string
    /** The last record's sequence number. */
    endSequenceNumber: string
    /** The first record's arrival time, ISO-8601. */
    approximateArrivalOfFirstRecord: string
    /** The last record's arrival time, ISO-8601. */
    approximateArrivalOfLastRecord: string
    /** How many records. */
    batchSize: number
    /** The stream's ARN. */
    streamArn: string
  }
}

/**
 * Where an event source sends what it gives up on.
 * @group Local cloud
 */
export interface KinesisDestinationConfig {
  /**
   * Receives AWS's on-failure record for each batch given up on; the shard waits until it resolves.
   * @defaultValue none
   */
  onFailure?: (record: KinesisOnFailureRecord) => void | Promise<void>
}
