"""Prints protobuf's JSON text for millisecond times: [[Timestamp, Duration], ...].

stdin: [ms, ...]
"""

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from _common import emit, read_input

out = []
for ms in read_input():
    t = Timestamp()
    t.FromMilliseconds(ms)
    d = Duration()
    d.FromMilliseconds(ms)
    out.append([t.ToJsonString(), d.ToJsonString()])
emit(out)
