// Prints N free loopback TCP ports, all distinct (held open together while chosen).
import net from 'node:net';
const count = Number(process.argv[2] || 1);
const servers = [];
let ready = 0;
for (let i = 0; i < count; i++) {
  const server = net.createServer().listen(0, '127.0.0.1', () => {
    if (++ready === count) {
      console.log(servers.map((s) => s.address().port).join(' '));
      servers.forEach((s) => s.close());
    }
  });
  servers.push(server);
}
