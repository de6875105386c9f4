///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//RUNTIME_OPTIONS -XX:+UseSerialGC -XX:TieredStopAtLevel=1
// The startup yardstick for bench/run.sh: a jbang hello-world.
class hello {
    public static void main(String[] args) {
        System.out.println("hello");
    }
}
