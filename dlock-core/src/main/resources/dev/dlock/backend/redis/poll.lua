-- dlock poll: tells whether a waiting entry, or the pending conversion of a granted one, is granted now. It
-- never extends a lease.
-- ARGV: member, conflicting modes, channel, resource, the conflict sets of all modes ('NL=;CR=EX;...'), value
-- retention in ms
-- An entry granted in PW or EX is marked as the value's writer (see common.lua, 'Value blocks').
-- Reply: {0, ticket[, new token]} granted | {1, ticket, blocker ticket, blocker lease left ms} waiting | {3} gone
local q, x, c, v = KEYS[1], KEYS[2], KEYS[3], KEYS[5]
local member, conflicts, channel, resource, matrix, retentionMs =
	ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local nowMs, nowUs = clock()
local removed = {}
sweep(q, x, c, nowMs, removed)
if #removed > 0 then
	settle(q, x, c, channel, resource, removed)
end

local own = redis.call('ZSCORE', q, member)
if not own then
	return { 3 }
end
if redis.call('EXISTS', c) == 1 then
	local sets = conflictSets(matrix)
	local queue = loadQueue(q, c, sets)
	local index = queue.index[member]
	local entry = queue.entries[index]
	local reply
	if entry.requested then
		reply = conversionState(q, x, c, queue, sets, entry, nowMs, nowUs)
	else
		reply = requestState(q, x, c, queue, sets, index, nowMs, nowUs)
	end
	if reply[1] == 0 and isWriting(entry.granted or entry.mode) then
		markWriter(q, x, v, entry.ticket, member, nowMs, retentionMs)
	end
	return reply
end
local ticket = tonumber(own)
local blocking = blocker(q, '(' .. own, conflicts)
if blocking then
	return waiting(q, x, ticket, blocking, nowMs)
end
if isWriting(string.sub(member, 1, 2)) then
	markWriter(q, x, v, ticket, member, nowMs, retentionMs)
end
return { 0, ticket }
