-- dlock convert, first part: the conversion of a lock's only entry. It runs before the shared prelude, whose
-- function definitions cost more server time than this whole part, and so uses none of them. An entry alone on
-- its resource, live, with no conversion pending: nothing can block the conversion and nobody waits to be woken,
-- so it is granted here with five calls (the general path after the prelude loads the whole queue and the
-- conversion records). Whatever this part does not grant falls through to the general path unchanged: it writes
-- nothing before it returns.
-- KEYS and ARGV as for the whole script (see convert.lua); the record format and the token formula are those of
-- the prelude's parseRecord/record and grantConversion, the writer mark that of its markWriter/clearWriter (a mark
-- of another entry, left by a lost writer, falls through to the general path, which marks the value invalid).
do
	local q, x, c, v = KEYS[1], KEYS[2], KEYS[3], KEYS[5]
	local member, target, retentionMs = ARGV[1], ARGV[2], tonumber(ARGV[7])
	local firstTwo = redis.call('ZRANGE', q, 0, 1, 'WITHSCORES')
	if #firstTwo == 2 and firstTwo[1] == member then
		local t = redis.call('TIME')
		local sec, usec = tonumber(t[1]), tonumber(t[2])
		local expiry = redis.call('ZSCORE', x, member)
		-- live: its expiry is not before the current millisecond (the prelude's sweep keeps it until then)
		if expiry and tonumber(expiry) >= sec * 1000 + math.floor(usec / 1000) then
			local stored = redis.call('HMGET', c, member, 'top')
			local held, requested = string.sub(member, 1, 2), ''
			if stored[1] then
				held, requested = string.match(stored[1], '^(%u%u):(%u*):')
			end
			local ticket = tonumber(firstTwo[2])
			local mark = string.format('%.0f', ticket) .. ' ' .. member
			local writing = target == 'PW' or target == 'EX'
			if requested == '' and held ~= target and (not writing or redis.call('HSETNX', v, 'w', mark) == 1
					or redis.call('HGET', v, 'w') == mark) then
				local token = math.max(ticket + 1, (tonumber(stored[2]) or 0) + 1, sec * 1000000 + usec)
				local text = string.format('%.0f', token)
				redis.call('HSET', c, 'top', text, member, target .. ':::' .. text)
				if not stored[2] then
					-- the conversion key is new: it expires with the entry, as the queue does
					redis.call('PEXPIREAT', c, expiry)
				end
				if writing then
					redis.call('PEXPIREAT', v, string.format('%.0f', tonumber(expiry) + retentionMs))
				elseif held == 'PW' or held == 'EX' then
					local value = redis.call('HMGET', v, 'w', 't')
					if value[1] == mark then
						redis.call('HDEL', v, 'w')
						if value[2] then
							redis.call('PEXPIREAT', v, string.format('%.0f', tonumber(value[2]) + retentionMs))
						end
					end
				end
				return { 0, ticket, token }
			end
		end
	end
end
