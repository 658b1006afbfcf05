# Sourced inside a private mount namespace (after a tmpfs on /run): replace
# /dev with a tmpfs holding only the basic nodes, so that nothing a test
# runs (journald's /dev/log, a syslog receiver) lands in the host's devtmpfs.
mkdir /run/hostdev
mount --bind /dev /run/hostdev
mount -t tmpfs -o mode=0755,nosuid tmpfs /dev
for n in null zero full random urandom tty ptmx; do
	touch "/dev/$n"
	mount --bind "/run/hostdev/$n" "/dev/$n"
done
mkdir /dev/pts /dev/shm
mount --bind /run/hostdev/pts /dev/pts
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
ln -s /proc/self/fd /dev/fd
ln -s fd/0 /dev/stdin
ln -s fd/1 /dev/stdout
ln -s fd/2 /dev/stderr
umount /run/hostdev
rmdir /run/hostdev
