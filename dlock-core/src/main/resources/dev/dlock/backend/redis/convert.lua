-- dlock convert: asks to change the granted mode of a granted entry (DESIGN.md §12). A down-conversion (the
-- granted mode's conflicts include every conflict of the new one) is granted at once and wakes the entries it
-- blocked; an up-conversion is granted when no other grant and no conversion ahead of it conflicts with the new
-- mode; otherwise it is refused when it would close a cycle of conversions (deadlock) or when it must not wait,
-- and else it waits at the end of the conversion queue. A granted conversion draws a new token. The conversion
-- of a lock's only entry is granted by the script's first part, convert-alone.lua, before the prelude.
-- ARGV: member, new mode, wait (1) or try (0), the conflict sets of all modes ('NL=;CR=EX;...'), channel,
-- resource, value retention in ms
-- A conversion granted to PW or EX marks the entry as the value's writer; one granted out of them clears its mark
-- (see common.lua, 'Value blocks').
-- A conversion that starts to wait on a lock whose queue a holder watches (w exists, see watch.lua) publishes
-- '<resource> ?<ticket> <granted mode> <target> <conversion order>'.
-- Reply: {0, ticket, new token} granted | {1, ticket, blocker ticket, blocker lease left ms} waiting |
-- {2} rejected | {3} gone | {4} deadlock
local q, x, c, w, v = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local member, target, wait, matrix, channel, resource, retentionMs =
	ARGV[1], ARGV[2], ARGV[3] == '1', ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7])
local nowMs, nowUs = clock()
local removed = {}
sweep(q, x, c, nowMs, removed)
if #removed > 0 then
	settle(q, x, c, channel, resource, removed)
end
if not redis.call('ZSCORE', q, member) then
	return { 3 }
end
local sets = conflictSets(matrix)
local queue = loadQueue(q, c, sets)
local entry = queue.entries[queue.index[member]]
local held = grantedMode(entry)
if not held then
	return redis.error_reply('dlock convert: the entry is not granted')
end
if entry.requested then
	-- the same conversion asked again: answer as a poll would
	if entry.requested ~= target then
		return redis.error_reply('dlock convert: another conversion of the entry is pending')
	end
	local reply = conversionState(q, x, c, queue, sets, entry, nowMs, nowUs)
	if reply[1] == 0 and isWriting(target) then
		markWriter(q, x, v, entry.ticket, member, nowMs, retentionMs)
	end
	return reply
end
entry.granted, entry.free, entry.requested, entry.order = held, nil, target, math.huge
local reply
local blocking = nil
local covered = covers(sets, held, target)
if not covered then
	blocking = conversionBlocker(queue, sets, entry)
end
if not blocking then
	reply = grantConversion(queue, c, entry, nowUs)
	if isWriting(target) then
		markWriter(q, x, v, entry.ticket, member, nowMs, retentionMs)
	elseif isWriting(held) then
		clearWriter(x, v, entry.ticket, member, nowMs, retentionMs)
	end
	if covered then
		-- a weaker mode may let others in
		redis.call('PUBLISH', channel, resource .. ' ' .. fmt(entry.ticket))
	end
elseif closesCycle(queue, sets, entry) then
	return { 4 }
elseif not wait then
	return { 2 }
else
	recordGrants(queue, c, nowUs)
	entry.order = redis.call('HINCRBY', c, 'seq', 1)
	record(c, entry)
	reply = waiting(q, x, entry.ticket, blocking.member, nowMs)
	if redis.call('EXISTS', w) == 1 then
		redis.call('PUBLISH', channel,
			resource .. ' ?' .. fmt(entry.ticket) .. ' ' .. held .. ' ' .. target .. ' ' .. fmt(entry.order))
	end
end
expireWithLatest(q, x, c)
return reply
