-- dlock read-value: reads the value block of a live entry's lock (DESIGN.md §12; see common.lua, 'Value blocks').
-- A writer mark whose entry is gone or whose lease ran out (a lost PW or EX holder) makes the value invalid
-- first, and so does the mark left by a queue that expired as a whole. A value past its retention reads as none.
-- KEYS: q, x, c, w, v of the lock (q, x and v are used)
-- ARGV: member, value retention in ms
-- Reply: {} when the entry is gone, else {bytes (base64), version, 1 if valid else 0}
local q, x, v = KEYS[1], KEYS[2], KEYS[5]
local member, retentionMs = ARGV[1], tonumber(ARGV[2])
local nowMs = clock()
local own = redis.call('ZSCORE', x, member)
if not own or tonumber(own) < nowMs then
	return {}
end
local value = liveValue(settleValue(q, x, v, nowMs, retentionMs), nowMs, retentionMs)
if not value then
	return { '', '0', 1 }
end
return { value[1], value[2], value[3] and 1 or 0 }
