"""schemathesis hooks for Mailroom's fuzz run (scripts/fuzz.sh)."""
import os

import schemathesis

# The user whose token the fuzzer holds: it may not lock, deactivate or delete
# itself (or revoke its own token), or every later call would be a 401.
OWNER = os.environ.get("MAILROOM_FUZZ_OWNER", "")

# InvalidArgument answers a schema cannot rule out: a date in the past, an opaque
# cursor that was not handed out, two members of one protobuf `oneof`, and a wrong
# verification or invite code (ZITADEL answers those InvalidArgument).
NOT_IN_THE_SCHEMA = ("COMMAND-dv3t5", "MAILROOM-CURSOR", "may be set", "COMMAND-eis9R", "COMMAND-Wgn4q")


@schemathesis.hook
def filter_path_parameters(ctx, path_parameters):
    operation = ctx.operation
    if operation is None or operation.method.upper() == "GET":
        return True
    return (path_parameters or {}).get("userId") != OWNER


@schemathesis.check
def valid_input_accepted(ctx, response, case):
    """A request the document calls valid is never refused as invalid input."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return None
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"400 without a JSON body: {response.text[:200]}")
    if body.get("code") == 3 and not any(marker in body.get("message", "") for marker in NOT_IN_THE_SCHEMA):
        raise AssertionError(f"schema-valid input refused: {body.get('message')}")
    return None
