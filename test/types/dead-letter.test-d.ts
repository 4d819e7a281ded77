// Type tests of the dead-letter options: checked by `npm run typecheck` (tsc). Lines under @ts-expect-error must
// fail to compile.
import {
  type BatchRecord,
  type DeadLetterHandler,
  fanOut,
  type InvalidRecordError,
  type PermanentError,
  windowReducer,
} from 'serverless-done-right'

const handle = async () => undefined
const windowed = { key: () => 'k', reduce: () => 1, initial: () => 0, flush: async () => undefined }

// A dead-letter function written before `deadLetter`, typed for invalid records, still fits `onInvalid` unchanged.
const legacy: DeadLetterHandler = async (_record: BatchRecord, error: InvalidRecordError) => void error.issues
const explicit = async (_record: BatchRecord, error: InvalidRecordError) => void error.reason
fanOut(handle, { onInvalid: legacy })
fanOut(handle, { onInvalid: explicit })
windowReducer({ ...windowed, onInvalid: legacy })

// `deadLetter` receives both kinds: its error is the union, told apart by `code`.
fanOut(handle, {
  deadLetter: async (_record, error, meta) => {
    const id: string = meta.id
    if (error.code === 'SDR_PERMANENT') void (error.reason satisfies string)
    else void (error.issues satisfies readonly unknown[])
    void id
  },
  onInvalid: 'dead-letter',
  onPermanent: 'dead-letter',
})
const both: DeadLetterHandler<InvalidRecordError | PermanentError> = async () => undefined
// One function for both kinds fits every option.
fanOut(handle, { deadLetter: both, onInvalid: both })
windowReducer({ ...windowed, deadLetter: both, onPermanent: 'fail' })

// @ts-expect-error a handler typed for invalid records alone would be handed a PermanentError
fanOut(handle, { deadLetter: legacy })
// @ts-expect-error onInvalid never receives a PermanentError, so a handler for those alone does not fit
fanOut(handle, { onInvalid: async (_record: BatchRecord, error: PermanentError) => void error.reason })
// @ts-expect-error onPermanent is a policy, not a handler: the handler is `deadLetter`
fanOut(handle, { onPermanent: both })
// @ts-expect-error onPermanent is 'fail' or 'dead-letter'
windowReducer({ ...windowed, onPermanent: 'retry' })
