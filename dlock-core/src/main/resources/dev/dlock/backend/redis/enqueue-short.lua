-- dlock enqueue, first part: a new request on a short plain queue. It runs before the shared prelude, whose
-- function definitions cost more server time than this whole part, and so uses none of them. A queue of at most
-- seven entries, all live, without conversions, that does not hold the member yet: one read of each sorted set
-- tells all the grant rule needs (the latest earlier entry in a conflicting mode blocks the request; on a plain
-- queue nothing else can), so the request is decided here with about half the calls of the general path.
-- Whatever this part does not decide falls through to the general path unchanged: it writes nothing before it
-- returns (an HSETNX that finds a writer mark writes nothing either).
-- KEYS and ARGV as for the whole script (see enqueue.lua); the token formula, the lease's expiry, the keys'
-- expiry, the watchers' notice and the reply are the general path's (expiryAfter, waiting), the writer mark that
-- of the prelude's markWriter (a mark already there, left by a lost writer, falls through to the general path,
-- which marks the value invalid).
do
	local q, x, w, v = KEYS[1], KEYS[2], KEYS[4], KEYS[5]
	local member, conflicts, wait = ARGV[1], ARGV[2], ARGV[4] == '1'
	-- eight entries or more: the whole queue is not in one short read
	local queue = redis.call('ZRANGE', q, 0, 7, 'WITHSCORES')
	if #queue < 16 then
		local t = redis.call('TIME')
		local sec, usec = tonumber(t[1]), tonumber(t[2])
		local nowMs, nowUs = sec * 1000 + math.floor(usec / 1000), sec * 1000000 + usec
		local plain = true
		local expiries, latest = {}, 0
		if #queue > 0 then
			local leases = redis.call('ZRANGE', x, 0, 7, 'WITHSCORES')
			-- x holds the members of q with their expiries; an entry whose expiry lies before the current
			-- millisecond is to be swept, which the general path does
			plain = #leases == #queue and tonumber(leases[2]) >= nowMs and redis.call('EXISTS', KEYS[3]) == 0
			for i = 1, #leases, 2 do
				expiries[leases[i]] = tonumber(leases[i + 1])
			end
			latest = tonumber(leases[#leases]) or 0
		end
		local blocking = nil
		for i = #queue - 1, 1, -2 do
			local other = queue[i]
			if other == member or not expiries[other] then
				-- the same request again, or the two sets disagree: the general path answers
				plain = false
			elseif not blocking and string.find(conflicts, string.sub(other, 1, 2), 1, true) then
				blocking = i
			end
		end
		if plain then
			if blocking and not wait then
				-- a try that would have to wait leaves no trace
				return { 2 }
			end
			local mode = string.sub(member, 1, 2)
			local writing = not blocking and (mode == 'PW' or mode == 'EX')
			local ticket = nowUs
			if #queue > 0 then
				ticket = math.max(tonumber(queue[#queue]) + 1, nowUs)
			end
			local text = string.format('%.0f', ticket)
			if not writing or redis.call('HSETNX', v, 'w', text .. ' ' .. member) == 1 then
				local expiry = math.ceil((nowUs + tonumber(ARGV[3])) / 1000)
				local keysExpiry = string.format('%.0f', math.max(expiry, latest))
				redis.call('ZADD', q, text, member)
				redis.call('ZADD', x, string.format('%.0f', expiry), member)
				redis.call('PEXPIREAT', q, keysExpiry)
				redis.call('PEXPIREAT', x, keysExpiry)
				if writing then
					redis.call('PEXPIREAT', v, string.format('%.0f', expiry + tonumber(ARGV[8])))
				end
				if blocking then
					local blocker = queue[blocking]
					if redis.call('EXISTS', w) == 1 then
						redis.call('PUBLISH', ARGV[5], ARGV[6] .. ' ?' .. text .. ' ' .. mode)
					end
					return { 1, ticket, tonumber(queue[blocking + 1]), expiries[blocker] - nowMs }
				end
				return { 0, ticket }
			end
		end
	end
end
