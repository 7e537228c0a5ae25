# bash completion for dmatop                                -*- shell-script -*-

_dmatop()
{
	local cur prev words cword split
	_init_completion -s 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		split=false
		# readline breaks words at '=': "--sim=fa" comes as
		# "--sim" "=" "fa", and "--sim=" as "--sim" "="
		if [[ $cur == = ]]; then
			cur=
			split=true
		elif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
			prev=${COMP_WORDS[COMP_CWORD-2]}
			split=true
		elif [[ $cur == --*=* ]]; then
			prev=${cur%%=*}
			cur=${cur#*=}
			split=true
		fi
	}
	# their argument is optional: it goes after '=', never as a word
	# of its own
	if ! $split && [[ $prev == --sim || $prev == --attach || $prev == --dump ]]; then
		prev=
	fi

	case $prev in
	--sim)
		COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" --list-scenarios 2>/dev/null |
			awk '{ print $1 }')" -- "$cur"))
		return
		;;
	--attach | --name)
		local names=$(cd /dev/shm 2>/dev/null && ls -d dmatop-* 2>/dev/null |
			sed 's/^dmatop-//')
		COMPREPLY=($(compgen -W "$names" -- "$cur"))
		return
		;;
	--record | --replay)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--group)
		COMPREPLY=($(compgen -g -- "$cur"))
		return
		;;
	--at)
		COMPREPLY=($(compgen -W "end" -- "$cur"))
		return
		;;
	--screen)
		COMPREPLY=($(compgen -W "adapters violations help detail: history:" -- "$cur"))
		return
		;;
	--size)
		COMPREPLY=($(compgen -W "80x24 100x30 132x43" -- "$cur"))
		return
		;;
	--dump)
		COMPREPLY=($(compgen -W "0 0,1 0,2 0,4 0,8 0,10 0,20 0,3f" -- "$cur"))
		return
		;;
	--driver)
		COMPREPLY=($(compgen -W "$(ls /sys/bus/*/drivers 2>/dev/null)" -- "$cur"))
		return
		;;
	--device)
		COMPREPLY=($(compgen -W "$(ls /sys/bus/*/devices 2>/dev/null)" -- "$cur"))
		return
		;;
	--ring-size)
		COMPREPLY=($(compgen -W "64K 1M 16M 64M" -- "$cur"))
		return
		;;
	--hooks)
		COMPREPLY=($(compgen -W "tracepoints functions" -- "$cur"))
		return
		;;
	--seed | --duration | --speed)
		return
		;;
	esac
	$split && return

	COMPREPLY=($(compgen -W '--sim --sim= --seed= --duration= --record=
		--replay= --at= --batch --dump --dump= --json --backend --name=
		--group= --speed= --attach --attach= --screen= --size= --device=
		--driver= --ring-size= --hooks=
		--list-scenarios --help --version' -- "$cur"))
	[[ ${COMPREPLY-} == *= ]] && compopt -o nospace 2>/dev/null
}
complete -F _dmatop dmatop
