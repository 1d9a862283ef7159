-- dlock cancel: withdraws the pending conversion of an entry, which ends granted in the mode it held before.
-- If the conversion was granted meanwhile (its reply never reached the client), it is undone as a
-- down-conversion; a mode the entry no longer holds is never taken back, since others may hold a conflicting
-- mode by now. Wakes the entries the withdrawn or undone mode blocked. Idempotent; silent if the entry is gone.
-- ARGV: member, the mode held before the conversion, the conflict sets of all modes ('NL=;CR=EX;...'), channel,
-- resource, value retention in ms
-- An entry that ends out of PW and EX loses its writer mark (see common.lua, 'Value blocks'): an up-conversion
-- granted and undone here was never known to its holder, who wrote nothing in it.
-- Reply: the mode the entry is granted in afterwards, or '' if it is gone
local q, x, c, v = KEYS[1], KEYS[2], KEYS[3], KEYS[5]
local member, heldBefore, matrix, channel, resource, retentionMs =
	ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local nowMs = clock()
local removed = {}
sweep(q, x, c, nowMs, removed)
if #removed > 0 then
	settle(q, x, c, channel, resource, removed)
end
local ticket = redis.call('ZSCORE', q, member)
if not ticket then
	return ''
end
local value = redis.call('HGET', c, member)
if not value then
	-- never converted: it holds the mode it held before
	return heldBefore
end
local sets = conflictSets(matrix)
local entry = { member = member }
entry.granted, entry.requested, entry.order, entry.token = parseRecord(value)
local mode = entry.granted
if covers(sets, mode, heldBefore) then
	mode = heldBefore
end
if not entry.requested and mode == entry.granted then
	return mode
end
entry.granted, entry.requested, entry.order = mode, nil, nil
record(c, entry)
if not isWriting(mode) then
	clearWriter(x, v, tonumber(ticket), member, nowMs, retentionMs)
end
redis.call('PUBLISH', channel, resource .. ' ' .. fmt(tonumber(ticket)))
return mode
