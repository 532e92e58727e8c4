// free-ports.mjs N [low]: prints N free loopback TCP ports, all distinct (held open together while chosen).
// `low`: below 32768, outside the kernel's ephemeral range, for Temporal's services, whose cluster membership
// table keeps ports in a PostgreSQL smallint.
import net from 'node:net';

const count = Number(process.argv[2] || 1);
const low = process.argv[3] === 'low';

function listen(port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function freePort() {
  if (!low) return listen(0);
  for (;;) {
    try {
      return await listen(20000 + Math.floor(Math.random() * 12768));
    } catch (err) {
      if (err.code !== 'EADDRINUSE') throw err;
    }
  }
}

const servers = [];
while (servers.length < count) servers.push(await freePort());
console.log(servers.map((s) => s.address().port).join(' '));
servers.forEach((s) => s.close());
