/* agent.h: `berthd agent`, the berth agent of one cluster node: serves
 * the node's Docker engine API and the supervisor sockets of the
 * workspaces on it to the manager, over TCP links authenticated with the
 * join token (agent-link.h). docs/cluster.md says how it is deployed. */
#ifndef BERTH_AGENT_H
#define BERTH_AGENT_H

/* berthd agent --listen HOST:PORT --token-file F [--engine unix:///…]
 * [--state DIR]; argv[0] is "agent". Returns the exit status. */
int	agent_main(int argc, char **argv);

#endif
